"""Building blocks shared by pages: the shell, cards, sections, tables and alerts."""
