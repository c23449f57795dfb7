"""csat.report."""
