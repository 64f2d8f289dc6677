"""One module per page: its ids, a layout function that does no I/O, and its callbacks."""
