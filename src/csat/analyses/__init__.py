"""csat.analyses."""
