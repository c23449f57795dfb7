"""csat.report: the study report and the studies index, the top layer.

:mod:`~csat.report.words` (the fixed words, stage names), :mod:`~csat.report.summary` (executive
summary and methods from the results files), :mod:`~csat.report.provenance` (what produced the
report), :mod:`~csat.report.pages` (templates, stylesheet, offline check, publishing),
:mod:`~csat.report.html` (the stage notebooks → ``report.html``), :mod:`~csat.report.pdf` (Chromium
prints ``report.pdf``), :mod:`~csat.report.index` (``reports/index.html``) and
:mod:`~csat.report.cli` (``python -m csat.report study|index``).
"""
