"""csat.stats."""
