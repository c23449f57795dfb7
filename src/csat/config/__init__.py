"""csat.config."""
