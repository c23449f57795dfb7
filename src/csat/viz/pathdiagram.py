"""Path diagram of a structural equation model, drawn by Graphviz ``dot``.

Latent variables are ellipses labelled with the construct label and R² (endogenous ones);
structural regressions are arrows labelled with the standardized coefficient (lavaan's
``std.all``) and significance stars (``*`` p < .05, ``**`` p < .01, ``***`` p < .001).
Optionally the measurement part is shown compactly: each factor's indicators with their
standardized loadings in small type inside the factor's ellipse.  Text is drawn with the font families
"Noto Sans" (Latin, Debian ``fonts-noto-core``) and "Noto Sans CJK SC" (Debian ``fonts-noto-cjk``) so that
Chinese labels render.  The ``dot`` program comes from the Debian package ``graphviz`` and is called as a
subprocess.

The diagram is drawn for the printed page: :func:`path_diagram` lays it out left-to-right and top-to-bottom
and keeps the direction that prints it larger within the text width and a page's height
(:func:`printed_scale`), and :func:`diagram_figure` makes a figure of exactly that printed size, so that
its 12-pt names and 9-pt loadings print at their size times that scale (at least 7 pt for the models of
our studies).
"""
from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path
from typing import Mapping

import pandas as pd

FONT = "Noto Sans,Noto Sans CJK SC"
#: The largest printed size of a diagram, in inches: the text width, and a height that leaves room on its page for
#: the text before or after it (a tall diagram scales down, its 12-pt names stay above 9 pt for our models).
MAX_WIDTH, MAX_HEIGHT = 7.0, 6.5
#: The resolution :func:`path_diagram` renders the PNG at (sharp when the report scales it down).
DIAGRAM_DPI = 200


from csat.core.errors import GraphvizMissing  # noqa: E402,F401  (defined in csat.core.errors; re-exported here)


def stars(p: float | None) -> str:
    """``***`` p < .001, ``**`` p < .01, ``*`` p < .05, else ``""`` (NaN p: ``""``)."""
    if p is None or not math.isfinite(float(p)):
        return ""
    p = float(p)
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def _q(text: str) -> str:
    """A DOT double-quoted string (backslashes and quotes escaped, newlines as \\n)."""
    s = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + s.replace("\r", "").replace("\n", "\\n") + '"'


def _h(text: str) -> str:
    """Escape text for a Graphviz HTML-like label."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\n", "<BR/>"))


def path_diagram_dot(estimates: pd.DataFrame, labels: Mapping[str, str] | None = None,
                     r2: Mapping[str, float] | None = None, *, latent: list[str] | None = None,
                     measurement: bool = False, covariances: bool = False, digits: int = 2,
                     rankdir: str = "LR", font: str = FONT) -> str:
    """The DOT source of the path diagram.

    estimates : lavaan-style table with ``lhs, op, rhs, std.all`` and ``pvalue``.
    labels : variable -> label shown in the node (default: the name).
    r2 : variable -> R², shown in endogenous nodes.
    latent : the latent variables (default: every ``=~`` left-hand side; without any, the
        variables in regressions).
    measurement : also list each factor's indicators with their standardized loadings, compactly,
        inside the factor's ellipse.
    covariances : also draw the covariances between latent variables (``~~``) as grey two-headed
        edges labelled with their ``std.all`` (the factor correlations of a measurement model).
    Negative coefficients are drawn dashed.  Node names are always quoted DOT identifiers, so any
    Unicode name (``服务``) is a valid node.
    """
    labels = dict(labels or {})
    r2 = dict(r2 or {})
    est = estimates
    if latent is None:
        latent = list(dict.fromkeys(est.loc[est["op"] == "=~", "lhs"]))
    reg = est[est["op"] == "~"]
    nodes = list(dict.fromkeys(list(latent) + [v for pair in zip(reg["rhs"], reg["lhs"]) for v in pair]))
    endo = set(reg["lhs"])
    lines = ["digraph sem {",
             f"  graph [rankdir={rankdir}, fontname={_q(font)}, nodesep=0.45, "
             f"ranksep={0.9 if rankdir in ('LR', 'RL') else 0.5}, bgcolor=white];",
             f"  node [fontname={_q(font)}, fontsize=12];",
             f"  edge [fontname={_q(font)}, fontsize=11, arrowsize=0.7];"]
    loadings: dict[str, list[str]] = {}
    if measurement:
        meas = est[est["op"] == "=~"]
        for f, ind, std in zip(meas["lhs"], meas["rhs"], meas["std.all"]):
            val = f"{float(std):.{digits}f}" if std is not None and math.isfinite(float(std)) else "?"
            loadings.setdefault(f, []).append(f"{labels.get(ind, ind)} {val}")
    for v in nodes:
        parts = [f"<B>{_h(labels.get(v, v))}</B>"]
        if v in endo and v in r2 and r2[v] is not None and math.isfinite(float(r2[v])):
            parts.append(f"R² = {float(r2[v]):.{digits}f}")
        if v in loadings:
            ls = loadings[v]
            rows = [", ".join(ls[i:i + 3]) for i in range(0, len(ls), 3)]
            parts.append('<FONT POINT-SIZE="9" COLOR="#555555">' + "<BR/>".join(_h(r) for r in rows) + "</FONT>")
        shape = "ellipse" if v in latent else "box"
        fill = "#dbe8f5" if v in latent else "#f2f2f2"
        lines.append(f"  {_q(v)} [label=<{'<BR/>'.join(parts)}>, shape={shape}, style=filled, "
                     f"fillcolor={_q(fill)}, margin=\"0.12,0.06\"];")
    for lhs, rhs, std, p in zip(reg["lhs"], reg["rhs"], reg["std.all"], reg.get("pvalue", [None] * len(reg))):
        ok = std is not None and math.isfinite(float(std))
        lab = f"{float(std):.{digits}f}{stars(p)}" if ok else ""
        style = ", style=dashed" if ok and float(std) < 0 else ""
        lines.append(f"  {_q(rhs)} -> {_q(lhs)} [label={_white_label(lab)}, penwidth=1.4{style}];")
    if covariances:
        lat = set(latent)
        cov = est[(est["op"] == "~~") & (est["lhs"] != est["rhs"]) & est["lhs"].isin(lat) & est["rhs"].isin(lat)]
        for lhs, rhs, std, p in zip(cov["lhs"], cov["rhs"], cov["std.all"], cov.get("pvalue", [None] * len(cov))):
            ok = std is not None and math.isfinite(float(std))
            lab = f"{float(std):.{digits}f}{stars(p)}" if ok else ""
            # a covariance between factors of one rank runs along the rank, and dot sets its label on the line
            lines.append(f"  {_q(lhs)} -> {_q(rhs)} [label={_white_label(lab)}, dir=both, color=\"#888888\", "
                         f"fontcolor=\"#555555\", constraint=false, style=dashed];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _white_label(lab: str) -> str:
    """An edge label on a white ground: dot may set a label on a line (a long edge that bends past it, a
    covariance along a rank), which then never runs through its text."""
    return (f'<<TABLE BORDER="0" CELLBORDER="0" CELLPADDING="1" BGCOLOR="white"><TR><TD>{_h(lab)}</TD></TR>'
            "</TABLE>>") if lab else '""'


def dot_executable() -> str:
    """Path of Graphviz's ``dot``; raises :class:`GraphvizMissing` naming the Debian package."""
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizMissing("the path diagram needs Graphviz's 'dot' program, which is not on PATH; install the "
                              "Debian package 'graphviz' (sudo apt-get install graphviz) or run 'make sysdeps'")
    return exe


def render_dot(source: str, out_stem: str | Path, formats: tuple[str, ...] = ("png", "svg"),
               dpi: int = 150, timeout: float = 60) -> dict[str, Path]:
    """Render DOT ``source`` to ``<out_stem>.<fmt>`` for each format with ``dot``; returns the paths.

    Files are written atomically (rendered to a temporary name, then renamed).
    """
    exe = dot_executable()
    out_stem = Path(out_stem)
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for fmt in formats:
        target = out_stem.with_name(out_stem.name + f".{fmt}")
        tmp = target.with_name(f".{target.name}.tmp")
        args = [exe, f"-T{fmt}", f"-Gdpi={dpi}" if fmt == "png" else "-Gdpi=72", "-o", str(tmp)]
        r = subprocess.run(args, input=source.encode("utf-8"), capture_output=True, timeout=timeout)
        if r.returncode != 0 or not tmp.is_file():
            tmp.unlink(missing_ok=True)
            raise RuntimeError(f"dot failed to render {target.name}: {r.stderr.decode('utf-8', 'replace').strip()}")
        tmp.replace(target)
        out[fmt] = target
    return out


def printed_scale(width: float, height: float, max_width: float = MAX_WIDTH, max_height: float = MAX_HEIGHT) -> float:
    """The factor by which a ``width`` × ``height`` (inches) drawing prints inside ``max_width`` ×
    ``max_height``: 1 when it fits, never more.

    >>> printed_scale(14, 2), printed_scale(3, 14), printed_scale(5, 4)
    (0.5, 0.5, 1.0)
    """
    return min(1.0, max_width / width, max_height / height)


def dot_size(source: str, timeout: float = 60) -> tuple[float, float]:
    """The natural size (inches) of a DOT drawing, from ``dot -Tplain``'s first line (``graph scale w h``)."""
    r = subprocess.run([dot_executable(), "-Tplain"], input=source.encode("utf-8"), capture_output=True,
                       timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"dot failed to lay out the diagram: {r.stderr.decode('utf-8', 'replace').strip()}")
    first = r.stdout.decode("utf-8", "replace").splitlines()[0].split()
    return float(first[2]), float(first[3])


def path_diagram(estimates: pd.DataFrame, out_stem: str | Path, labels: Mapping[str, str] | None = None,
                 r2: Mapping[str, float] | None = None, *, measurement: bool = False, covariances: bool = False,
                 latent: list[str] | None = None, dpi: int = DIAGRAM_DPI, rankdir: str = "auto") -> dict[str, Path]:
    """Draw the path diagram to ``<out_stem>.png`` and ``<out_stem>.svg`` (see :func:`path_diagram_dot`).

    ``rankdir="auto"``: the direction (left-to-right or top-to-bottom) in which the diagram prints larger on
    the page (:func:`printed_scale` of its :func:`dot_size`; left-to-right when equal)."""
    def source(direction: str) -> str:
        return path_diagram_dot(estimates, labels, r2, latent=latent, measurement=measurement,
                                covariances=covariances, rankdir=direction)

    if rankdir == "auto":
        rankdir = max(("LR", "TB"), key=lambda d: (round(printed_scale(*dot_size(source(d))), 3), d == "LR"))
    return render_dot(source(rankdir), out_stem, dpi=dpi)


def diagram_figure(png: str | Path, width: float | None = None, *, dpi: float | None = None,
                   max_width: float = MAX_WIDTH, max_height: float = MAX_HEIGHT):
    """A matplotlib figure showing a rendered diagram (the PNG of :func:`path_diagram`), without axes or
    margins, so that a notebook shows and numbers it like its other figures.

    The figure has the diagram's printed size: its natural size (pixels over the resolution it was rendered
    at, ``dpi``, by default :data:`DIAGRAM_DPI` as :func:`path_diagram` renders) times :func:`printed_scale`, so that the report prints it at that
    size; ``width`` (inches) forces a width instead."""
    import matplotlib.pyplot as plt

    img = plt.imread(png)
    h_px, w_px = img.shape[:2]
    if width is None:
        dpi = dpi or DIAGRAM_DPI
        w_in, h_in = w_px / dpi, h_px / dpi
        width = w_in * printed_scale(w_in, h_in, max_width, max_height)
    fig = plt.figure(figsize=(width, width * h_px / w_px))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(img, interpolation="lanczos")
    ax.axis("off")
    return fig
