"""csat.intake."""
