"""``python -m csat.new --study NAME --data FILE`` (``make new``): draft ``params/NAME.yaml`` from a raw export.

A thin command over :func:`csat.intake.draft.write_draft` (it sits with the top layer's commands: see
tests/test_architecture.py).  Prints what it inferred; a file it cannot use is one ``error: …`` line and
exit status 2.  The params file is never overwritten and the data file is neither copied nor changed.
"""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    from csat.core.errors import CsatError
    from csat.intake.draft import write_draft

    ap = argparse.ArgumentParser(prog="python -m csat.new", description=__doc__.splitlines()[0])
    ap.add_argument("--study", required=True, help="the study's name (params/<study>.yaml)")
    ap.add_argument("--data", required=True, help="the raw export (.csv .xlsx .sav .dta), e.g. data/raw/x.csv")
    ap.add_argument("--root", default=".", help="the project root (default: the current folder)")
    a = ap.parse_args(argv)
    try:
        target, d = write_draft(a.study, a.data, root=a.root)
    except (CsatError, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    cons = ", ".join(f"{k} ({len(v['items'])})" for k, v in d.constructs.items())
    model = f"template {d.template}" if d.template else "paths" if d.model else "CFA only"
    print(f"wrote {target}: {d.n} rows, language {d.language}, scale {d.scale[0]:g}-{d.scale[1]:g}, "
          f"constructs {cons}; groups {', '.join(d.groups) or 'none'}; model: {model}")
    print(f"check the lines marked '# check:', then: make study STUDY={d.study}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
