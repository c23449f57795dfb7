"""``python -m csat.report study|index ...``: the report's command line (:mod:`csat.report.cli`)."""
import sys

from csat.report.cli import main

if __name__ == "__main__":
    sys.exit(main())
