"""Deterministic synthetic customer profiles in the original system's CSV format."""
