"""Importing the original CSV export: `parse` checks rows (pure), `load` streams them into storage."""
