"""csat.report.pdf: Chromium missing or dying is a clear error that leaves no PDF behind."""
from __future__ import annotations

import pytest

from csat.core.errors import ReportError
from csat.report import pdf


def test_missing_chromium_message(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("CSAT_CHROMIUM", raising=False)
    with pytest.raises(ReportError, match="apt-get install chromium fonts-noto-cjk poppler-utils"):
        pdf.find_chromium()


def test_a_chromium_that_dies_is_a_clear_error_and_leaves_nothing(tmp_path, monkeypatch):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'no display, giving up' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CSAT_CHROMIUM", str(fake))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))      # Chromium's profile goes here
    (tmp_path / "r.html").write_text("<html><body>x</body></html>")
    with pytest.raises(ReportError, match="Chromium ended before printing the PDF: no display, giving up"):
        pdf.html_to_pdf(tmp_path / "r.html", tmp_path / "r.pdf", timeout=30)
    assert not (tmp_path / "r.pdf").exists() and not list(tmp_path.glob("csat-chromium-*"))
