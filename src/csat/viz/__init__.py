"""csat.viz."""
