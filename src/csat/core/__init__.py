"""csat.core."""
