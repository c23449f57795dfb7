"""csat.report.cli: ``python -m csat.report study``'s errors, its overrides arguments, and the HTML written
without Chromium."""
from __future__ import annotations

import pytest

from csat.core.errors import ReportError
from csat.report import cli, provenance

from report.test_html import make_fake_study


def test_cli_errors_are_clear(tmp_path, capsys):
    params, _ = make_fake_study(tmp_path, study="cli")
    (tmp_path / "reports" / "cli" / "04_factor_analysis.ipynb").unlink()
    rc = cli.main(["study", "--study", "cli", "--params", str(params), "--root", str(tmp_path), "--no-pdf"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "04_factor_analysis.ipynb" in err and "not found" in err
    rc = cli.main(["study", "--study", "wrong", "--params", str(params), "--root", str(tmp_path), "--no-pdf"])
    assert rc == 2 and "--study is 'wrong'" in capsys.readouterr().err


def test_overrides_arguments(tmp_path):
    assert cli.parse_overrides_arg('{"bootstrap": 200, "efa.n_factors": 3}') == {"bootstrap": 200,
                                                                                "efa.n_factors": 3}
    assert cli.parse_overrides_arg("bootstrap=200 language=zh") == {"bootstrap": 200, "language": "zh"}
    pm = tmp_path / "papermill.yaml"
    pm.write_text("overrides:\n  seed: 7\nparams_file: params/x.yaml\n")
    assert provenance.read_overrides_file(pm) == {"seed": 7}


def test_without_chromium_the_html_is_still_written(tmp_path, monkeypatch):
    """Chromium is started before report.html is built (its start-up overlaps that work); when it is
    missing, report.html is written all the same and the error names the packages to install."""
    params, _ = make_fake_study(tmp_path, study="nochrome")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("CSAT_CHROMIUM", raising=False)
    with pytest.raises(ReportError, match="apt-get install chromium"):
        cli.build_study("nochrome", params, root=tmp_path)
    out = tmp_path / "reports" / "nochrome"
    assert (out / "report.html").is_file() and not (out / "report.pdf").exists()
