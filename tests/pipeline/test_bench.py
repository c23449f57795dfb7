"""The benchmark's bookkeeping (targets, comparisons); no timing is measured or asserted here."""
from csat.pipeline import bench


def _row(case, wall, peak=100.0):
    return {"case": case, "runs": 1, "wall_median_s": wall, "wall_min_s": wall, "wall_max_s": wall, "peak_mb": peak}


def test_targets_are_put_beside_the_figures():
    row = _row("scale_n1000000", 70.0, peak=3000.0)
    bench._check_targets(row)
    assert [(t["target"], t["met"]) for t in row["targets"]] == [("<= 60 s", False), ("<= 4 GB", True)]
    row = _row("ecsi_pls_bootstrap_5000", 4.0)
    bench._check_targets(row)
    assert row["targets"][0]["met"] is True and row["targets"][0]["figure"] == 4.0
    assert "targets" not in (lambda r: (bench._check_targets(r), r)[1])(_row("ecsi_fit", 1.0))


def test_ratio_to_lavaan_is_scaled_per_resample():
    row = _row("ecsi_bootstrap_1000", 5.0)
    bench._compare(row, "lavaan", {"seconds": 30.0, "per_resample_s": 0.3, "B": 100, "version": "0.6.14"},
                   scale_to=1000)
    assert row["lavaan_s"] == 300.0 and row["ratio_lavaan"] == 60.0
    bench._check_targets(row)
    assert row["targets"][0] == {"target": ">= 100x faster than lavaan", "figure": 60.0, "met": False}


def test_absent_tool_is_skipped_with_a_note():
    row = _row("ecsi_bootstrap_1000", 5.0)
    bench._compare(row, "lavaan", {"skipped": "Rscript not found: no lavaan comparison"}, scale_to=1000)
    bench._check_targets(row)
    assert row["lavaan_note"].startswith("Rscript not found") and "ratio_lavaan" not in row
    assert row["targets"][0]["met"] is None


def test_only_runs_the_chosen_groups_and_keeps_the_full_run_file(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(bench, "_demo_cases", lambda runs, show: calls.append(("demo", runs)))
    monkeypatch.setattr(bench, "_ecsi_cases", lambda *a: calls.append(("ecsi",)))
    monkeypatch.setattr(bench, "programme", lambda *a, **k: calls.append(("programme",)) or [])
    monkeypatch.setattr(bench, "_run_child", lambda args: calls.append(tuple(args)) or {"seconds": 1.0})
    monkeypatch.setattr(bench.paths, "reports_root", lambda root: tmp_path)
    bench.run(runs=2, only=("demo",))
    assert calls == [("demo", 2)]
    assert (tmp_path / "bench-demo.json").is_file() and not (tmp_path / "bench.json").exists()
    import pytest

    with pytest.raises(SystemExit, match="unknown group"):
        bench.run(only=("demo", "nope"))


def test_long_runs_reap_adopted_orphans_while_they_run():
    """The bench adopts the processes a build leaves behind (warm kernels, fork server, Chromium helpers)
    and reaps them as they exit, so a 50-study programme leaves no zombies; the command's own exit
    status is kept.  Run in a child process, because being a subreaper is for life."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import os, time
        from csat.core.procs import become_subreaper
        from csat.pipeline.bench import _run_reaping
        assert become_subreaper()
        # four orphans exit after 0.1 s, long before the command does
        r = _run_reaping(["sh", "-c", "for i in 1 2 3 4; do (sleep 0.1 &); done; sleep 1.5; echo out; exit 3"])
        zombies = 0
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    stat = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                zombies += stat[0] == "Z" and int(stat[1]) == os.getpid()
        print(r.returncode, r.stdout.strip(), zombies)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["3", "out", "0"]


def test_programme_rows_show_unmeasured_memory_and_the_reference_build(capsys):
    for j in (1, 2):
        row = _row(f"programme_6_j{j}", 100.0, peak=None) | {"jobs": j, "first_jobs": 1, "studies_per_minute": 3.6,
                                                              "results_files": 288}
        bench._check_targets(row)
        bench._show(row)
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("peak     n/a") and "MB" not in out[0]
    assert out[1].endswith("(288 results files, the reference for the other builds)")
    assert out[3].endswith("(288 results files, identical to the -j1 build)")


def test_programme_dask_rows_show_the_overhead_beside_make(capsys):
    row = _row("programme_6_dask2", 110.0, peak=None) | {"dask_workers": 2, "first_jobs": 1, "studies_per_minute": 3.27,
                                                          "results_files": 288, "overhead_per_study_s": 1.5,
                                                          "share_of_make_jobs": 0.92}
    bench._show(row)
    out = capsys.readouterr().out.splitlines()
    assert out[1].endswith("on a Dask LocalCluster of 2 worker(s) (288 results files, identical to the -j1 build)")
    assert out[2] == "    beside make -j2 all: +1.50 s per study, 92% of its studies per minute"
