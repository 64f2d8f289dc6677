"""Retention: customer-churn early warning (domain core)."""
