"""csat.pipeline."""
