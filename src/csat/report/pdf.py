"""report.pdf: the report's HTML printed by Chromium headless, offline.

:class:`Chromium` drives Chromium over the DevTools protocol on a pipe; it is started ahead of its
work (its start-up overlaps the building of report.html), runs in its own process group with a
throw-away profile and dies with this process.  The PDF looks like the HTML (the report's print CSS
adds page breaks between stages, the page size, margins and page numbers).
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from csat.core.procs import die_with_parent
from csat.core.errors import ReportError
from csat.core.files import atomic_write_bytes
from csat.report.pages import publish

#: Debian packages the PDF needs (Chromium prints, Noto Sans/Serif set Latin text, WenQuanYi Micro Hei and
#: Noto CJK draw Chinese, poppler checks).
PDF_PACKAGES = ("chromium", "fonts-noto-core", "fonts-wqy-microhei", "fonts-noto-cjk", "poppler-utils")


def find_chromium() -> str:
    """Path of the Chromium program (``$CSAT_CHROMIUM``, ``chromium``, ``chromium-browser``)."""
    for cand in (os.environ.get("CSAT_CHROMIUM"), "chromium", "chromium-browser"):
        if cand:
            path = shutil.which(cand)
            if path:
                return path
    raise ReportError("Chromium is needed to print report.pdf but was not found. On Debian/Ubuntu install "
                      f"the packages: sudo apt-get install {' '.join(PDF_PACKAGES)}  (or run make as root, "
                      "which installs them); set CSAT_CHROMIUM=/path/to/chromium to use another build.")


def html_to_pdf(html_path: str | Path, pdf_path: str | Path, timeout: float = 300) -> Path:
    """Print an HTML file to PDF with Chromium headless, offline, atomically (:class:`Chromium`)."""
    with Chromium(timeout) as chromium:
        return chromium.print_pdf(html_path, pdf_path)


class Chromium:
    """Chromium headless, started ahead of its work and driven over the DevTools protocol on a pipe
    (``--remote-debugging-pipe``: requests on fd 3, answers on fd 4, NUL-terminated JSON).

    :func:`csat.report.cli.build_study` starts it before it builds report.html, so Chromium's start-up
    (about a second) overlaps that work; :meth:`print_pdf` then loads the page and prints it with
    ``Page.printToPDF`` (the page size from the print CSS, otherwise its defaults), the call behind
    ``--print-to-pdf``: the same file, byte size and pages as that command gives.  Chromium runs with a throw-away profile, no network services
    (``--disable-background-networking --disable-component-update --disable-sync``) and no header or
    footer; the page size, margins and page numbers come from the report's print CSS.  :meth:`close`
    (or leaving the ``with`` block, also by an exception or SIGTERM, :func:`exit_cleanly_on_sigterm`)
    kills its process group and removes the profile.  Every wait ends after ``timeout`` seconds
    (:class:`ReportError`).
    """

    def __init__(self, timeout: float = 300):
        import fcntl

        self.timeout = timeout
        path = find_chromium()
        remove_stale_profiles()
        self.tmp = tempfile.mkdtemp(prefix=f"{_PROFILE_PREFIX}{os.getpid()}-")
        self._buf, self._id, self.proc = b"", 0, None
        to_r, self._to = os.pipe()                        # we write requests, Chromium reads fd 3
        self._from, from_w = os.pipe()                    # Chromium writes answers on fd 4
        # the child's ends moved above 4, so that placing them on 3 and 4 cannot overwrite each other
        ends = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_r, from_w)]
        os.close(to_r)
        os.close(from_w)

        def child() -> None:
            die_with_parent()                             # killed when this Python process dies (Linux)
            os.dup2(ends[0], 3)
            os.dup2(ends[1], 4)

        cmd = [path, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-default-apps", "--disable-extensions", "--disable-dev-shm-usage",
               "--mute-audio", "--hide-scrollbars", "--disable-crash-reporter",
               f"--user-data-dir={self.tmp}/profile", "--remote-debugging-pipe", "about:blank"]
        env = dict(os.environ, HOME=self.tmp, XDG_CONFIG_HOME=f"{self.tmp}/config", XDG_CACHE_HOME=f"{self.tmp}/cache",
                   FONTCONFIG_FILE=write_fontconfig(self.tmp))
        try:
            with open(os.path.join(self.tmp, "chromium.log"), "wb") as log:
                self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                                             env=env, start_new_session=True, preexec_fn=child, close_fds=False)
        except BaseException:
            self.close()
            raise
        finally:
            for fd in ends:
                os.close(fd)

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the DevTools protocol ---------------------------------------------------------------
    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self._to, data):]
        except BrokenPipeError:
            raise ReportError(f"Chromium ended before printing the PDF{self._log_tail()}") from None
        return self._id

    def _receive(self, wanted, deadline: float) -> dict:
        import select

        while True:
            while b"\0" in self._buf:
                raw, self._buf = self._buf.split(b"\0", 1)
                msg = json.loads(raw)
                if wanted(msg):
                    return msg
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from], [], [], left)[0]:
                raise ReportError(f"Chromium did not finish printing the PDF within {self.timeout:.0f} s")
            chunk = os.read(self._from, 1 << 20)
            if not chunk:
                raise ReportError(f"Chromium ended before printing the PDF{self._log_tail()}")
            self._buf += chunk

    def _call(self, method: str, params: dict | None = None, session: str | None = None,
              deadline: float | None = None) -> dict:
        i = self._send(method, params, session)
        msg = self._receive(lambda m: m.get("id") == i, deadline or time.monotonic() + self.timeout)
        if "error" in msg:
            raise ReportError(f"Chromium could not {method}: {msg['error'].get('message', msg['error'])}")
        return msg.get("result", {})

    def _log_tail(self) -> str:
        try:
            tail = Path(self.tmp, "chromium.log").read_text(errors="replace").strip().splitlines()[-3:]
        except OSError:
            tail = []
        return (": " + " | ".join(tail)) if tail else ""

    def print_pdf(self, html_path: str | Path, pdf_path: str | Path) -> Path:
        """Load ``html_path`` and print it to ``pdf_path`` (written atomically)."""
        html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
        if not html_path.is_file():
            raise ReportError(f"{html_path}: HTML file not found")
        deadline = time.monotonic() + self.timeout
        target = self._call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
        session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True},
                             deadline=deadline)["sessionId"]
        self._call("Page.enable", session=session, deadline=deadline)
        nav = self._call("Page.navigate", {"url": html_path.as_uri()}, session=session, deadline=deadline)
        if nav.get("errorText"):
            raise ReportError(f"Chromium could not open {html_path}: {nav['errorText']}")
        self._receive(lambda m: m.get("method") == "Page.loadEventFired" and m.get("sessionId") == session, deadline)

        def printed() -> bytes:
            # the page size of the print CSS (A4), as --print-to-pdf; the other options are its defaults
            out = base64.b64decode(self._call("Page.printToPDF", {"preferCSSPageSize": True}, session=session,
                                              deadline=deadline)["data"])
            if not out.startswith(b"%PDF-"):
                raise ReportError(f"Chromium failed to print {html_path} to PDF{self._log_tail()}")
            return out

        data = printed()
        data = self._fit_figures(data, printed, session, deadline)
        # the printed contents (nav.csat-print-toc): its page numbers need a second printing, as Chromium
        # knows a heading's page only once it has printed it; the numbers take a fixed width, so filling
        # them in moves nothing.  A third printing only if a number still changed.
        entries = json.loads(self._call("Runtime.evaluate", {"expression": _TOC_ENTRIES_JS, "returnByValue": True},
                                        session=session, deadline=deadline)["result"].get("value") or "[]")
        if entries:
            pages: dict[str, int] = {}
            for _ in range(3):
                found = named_pages(data)
                if found == pages:
                    break
                pages = found
                self._call("Runtime.evaluate", {"expression": fill_toc_js(pages)}, session=session,
                           deadline=deadline)
                data = printed()
            data = with_outline(data, [(level, title, pages.get(target)) for level, title, target in entries])
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        publish(atomic_write_bytes(pdf_path, data))
        return pdf_path

    def _fit_figures(self, data: bytes, printed, session: str, deadline: float) -> bytes:
        """Print again with each figure that a near-empty page left for the next page set smaller, so that it
        fits beneath the text before it (:func:`figure_fits`); up to three times, as a figure moved up moves
        what follows it."""
        def call(method: str, params: dict | None = None):
            return self._call(method, params, session=session, deadline=deadline)

        # the printed raster figures in their order, measured in the print layout (print CSS, text width)
        call("Emulation.setEmulatedMedia", {"media": "print"})
        call("Emulation.setDeviceMetricsOverride", {"width": round(TEXT_WIDTH_PX), "height": 1000,
                                                    "deviceScaleFactor": 1, "mobile": False})
        try:
            figures = json.loads(call("Runtime.evaluate", {"expression": _FIGURES_JS, "returnByValue": True})
                                 ["result"].get("value") or "[]")
        finally:
            call("Emulation.clearDeviceMetricsOverride")
            call("Emulation.setEmulatedMedia", {"media": ""})
        for _ in range(3):
            fits = figure_fits(data, figures)
            if not fits:
                break
            call("Runtime.evaluate", {"expression": fit_figures_js(fits)})
            data = printed()
        return data

    def close(self) -> None:
        """End Chromium and its helpers and remove the profile (safe to call twice)."""
        for fd in (getattr(self, "_to", None), getattr(self, "_from", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._to = self._from = None
        if self.proc is not None:
            _kill_group(self.proc)
            self.proc = None
        shutil.rmtree(self.tmp, ignore_errors=True)


_PROFILE_PREFIX = "csat-chromium-"


def write_fontconfig(folder: str | Path) -> str:
    """Write the fontconfig file Chromium prints with (``<folder>/fonts.conf``) and return its path: the
    system's configuration without the fonts with CFF outlines (Noto Sans CJK, OpenType/CFF fonts), which
    Chromium would embed as Type 3 fonts; their text falls back to the next font of the stylesheet's stacks
    (WenQuanYi Micro Hei for Chinese, with TrueType outlines)."""
    base = os.environ.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf"
    path = Path(folder) / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f'  <include ignore_missing="yes">{base}</include>\n'
        '  <selectfont><rejectfont><pattern><patelt name="fontformat"><string>CFF</string></patelt></pattern>'
        "</rejectfont></selectfont>\n</fontconfig>\n", encoding="utf-8")
    return str(path)

#: The entries of the printed contents: ``[[level, title, target id], ...]`` (level 2: a stage's section).
_TOC_ENTRIES_JS = """JSON.stringify(Array.from(document.querySelectorAll('.csat-print-toc a.csat-toc-line')).map(
  a => [a.closest('.csat-toc-sub') ? 2 : 1, a.querySelector('.csat-toc-text').textContent.replace(/\\s+/g, ' ').trim(),
        decodeURIComponent(a.getAttribute('href').slice(1))]))"""


#: The printed text width in CSS pixels: A4 less the two 16-mm margins of the print CSS.
TEXT_WIDTH_PX = (210 - 2 * 16) / 25.4 * 96
#: Space kept free below a figure set smaller to fit a page, in points.
FIT_SLACK_PT = 10.0

#: Marks each printed raster figure (``data-csat-printed``: its order among the PDF's images) and returns, in
#: points, what its figure holds besides the picture (caption, margins) and the width it was drawn for (None
#: when not known: csat.report.html.set_printed_size writes it as the style's width in inches).
_FIGURES_JS = r"""JSON.stringify(Array.from(document.images).filter(
  i => /^data:image\/(png|jpe?g)/i.test(i.getAttribute('src') || '') && i.getClientRects().length).map((i, k) => {
  i.dataset.csatPrinted = String(k);
  const fig = i.closest('figure') || i.parentElement, cs = getComputedStyle(fig);
  const rest = fig.getBoundingClientRect().height + parseFloat(cs.marginTop) + parseFloat(cs.marginBottom)
               - i.getBoundingClientRect().height;
  const w = i.style.width || '';
  return {rest: rest * 0.75, drawn: w.endsWith('in') ? parseFloat(w) * 72 : null};
}))"""


def figure_fits(pdf: bytes, figures: list[dict]) -> dict[int, float]:
    """The figures to print smaller, ``{k: width in points}``, k their order among the PDF's images.

    A figure too tall for the room a page has left goes whole to the next page (figure, legend and caption
    stay together), which leaves that page near empty (the report lint's ``page-blank``: less than a third
    filled).  Such a figure -- the first thing on the page after a near-empty one -- is set smaller to fit
    the room left, when that keeps it at ``MIN_FONT_PT / FIGURE_TEXT_PT`` of the size it was drawn for or
    more (its smallest, 8-pt, text then prints at 7 pt or more, as :mod:`csat.report.lint` asks).
    ``figures`` holds, for each image in order, ``rest``: the points its figure takes besides the picture
    (caption, margins), and ``drawn``: the width in points it was drawn for (None: as printed).  Nothing
    when the PDF's images are not these figures."""
    from csat.report.lint import FIGURE_TEXT_PT, MIN_FONT_PT, MIN_PAGE_FILL, content_extent, extract_pdf, text_area

    pages = extract_pdf(pdf, measure=False).pages
    placed = [(n, im) for n, p in enumerate(pages) for im in p.images]
    area = text_area(pages)
    if area is None or len(placed) != len(figures):
        return {}
    height = max(area[1] - area[0], 1.0)
    out: dict[int, float] = {}
    for n, page in enumerate(pages[:-1]):
        ext, nxt = content_extent(page), content_extent(pages[n + 1])
        if nxt is None or (ext is not None and (ext[1] - ext[0]) / height >= MIN_PAGE_FILL):
            continue
        firsts = [(k, im) for k, (m, im) in enumerate(placed) if m == n + 1 and im.bbox[1] <= nxt[0] + 2]
        if not firsts:
            continue
        k, im = firsts[0]
        room = area[1] - (ext[1] if ext else area[0]) - figures[k]["rest"] - FIT_SLACK_PT
        width, tall = im.bbox[2] - im.bbox[0], im.bbox[3] - im.bbox[1]
        scale = room / tall if tall > 0 else 0.0
        drawn = figures[k].get("drawn") or width
        if scale < 1 and scale * width / drawn >= MIN_FONT_PT / FIGURE_TEXT_PT:
            out[k] = round(width * scale, 1)
    return out


def fit_figures_js(fits: dict[int, float]) -> str:
    """JavaScript that sets each marked figure (``_FIGURES_JS``) to its width in points, its height following."""
    return ("(() => { const fits = " + json.dumps({str(k): v for k, v in fits.items()}) + ";"
            " for (const [k, w] of Object.entries(fits)) {"
            " const i = document.querySelector('img[data-csat-printed=\"' + k + '\"]');"
            " if (i) { i.style.width = w + 'pt'; i.style.height = 'auto'; } } })()")


def named_pages(pdf: bytes) -> dict[str, int]:
    """The page (1-based) of each named destination of a printed PDF: Chromium names the target of
    every ``<a href="#id">`` by its id."""
    import pymupdf

    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        return {str(name): int(d["page"]) + 1 for name, d in doc.resolve_names().items()
                if isinstance(d, dict) and d.get("page", -1) >= 0}


def fill_toc_js(pages: dict[str, int]) -> str:
    """JavaScript that writes each target's page number into its contents line (``span.csat-toc-page``)."""
    return ("(() => { const pages = " + json.dumps(pages) + ";"
            " for (const a of document.querySelectorAll('.csat-print-toc a.csat-toc-line')) {"
            " const n = pages[decodeURIComponent(a.getAttribute('href').slice(1))];"
            " const span = a.querySelector('.csat-toc-page'); if (span) span.textContent = n ? String(n) : ''; }"
            " return true; })()")


def with_outline(pdf: bytes, entries: list[tuple[int, str, int | None]]) -> bytes:
    """The PDF with an outline (bookmarks) of ``entries``: ``(level, title, page)``, pages 1-based.  An
    entry without a page is left out, with its sub-entries; a level never jumps by more than one."""
    import pymupdf

    toc, last, skip = [], 0, None
    for level, title, page in entries:
        if skip is not None and level > skip:
            continue
        skip = None
        if not page or level > last + 1:
            skip = level
            continue
        toc.append([level, title, page])
        last = level
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        toc = [e for e in toc if e[2] <= doc.page_count]
        if not toc:
            return pdf
        doc.set_toc(toc)
        return doc.tobytes(garbage=1, deflate=True)


def _kill_group(proc: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def remove_stale_profiles(tmpdir: str | Path | None = None) -> list[Path]:
    """Remove Chromium profiles (``csat-chromium-<pid>-*``) left in the temporary folder by a report
    build that was killed (its process no longer exists).  Returns the removed folders."""
    base = Path(tmpdir or tempfile.gettempdir())
    removed = []
    for d in base.glob(f"{_PROFILE_PREFIX}*"):
        m = re.match(rf"{_PROFILE_PREFIX}(\d+)-", d.name)
        if not m or not d.is_dir():
            continue
        pid = int(m.group(1))
        try:
            os.kill(pid, 0)
            continue                         # still running
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed.append(d)
    return removed


def exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM (make interrupted, ``kill``) into SystemExit, so Chromium's process group is killed
    and its temporary profile removed on the way out (the default action would skip both)."""
    import signal

    def _terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _terminate)
