"""csat: reproducible analysis of questionnaire and customer-satisfaction surveys.

The package is in layers, each importing only from those below it (docs/architecture.md;
tests/test_architecture.py checks it):

``core`` → ``stats`` → ``sem`` → ``config`` → ``intake`` → ``viz`` → ``analyses`` → ``pipeline`` → ``report``.

The statistics (:mod:`csat.stats`, :mod:`csat.sem`) take arrays, DataFrames and options and know
nothing of a study's params or its language; :mod:`csat.config` is the params schema; the readers and
cleaning are :mod:`csat.intake`.
"""
__version__ = "0.1.0"
