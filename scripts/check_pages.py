"""Load built book pages in headless Chromium, offline, and list what a reader would trip on.

    python scripts/check_pages.py _build/html                      # every page, 1280 and 390 px
    python scripts/check_pages.py _build/html notebooks/02_mobilenet_v1.html --width 390

The site is served from 127.0.0.1 by a small server that slips a probe script
into the top of every HTML page; every request for another host goes to a proxy
that refuses it and remembers it. After the page has loaded, MathJax has typeset
and the widget manager has drawn the saved widgets, the probe measures the page
and writes its findings into the DOM, which Chromium prints (``--dump-dom``).

A finding is one line that says what and where. At every width: a console error
or uncaught exception, a file of the site that is missing, a request to another
host, a MathJax error or TeX left untypeset, ``NaN`` or ``NBVAL`` in the text, an
image without real alt text (the file name is not alt text), a saved widget
without its notice, or a page wider than the window (the reader would have to
scroll the whole page sideways). At 1280 px, where the text column is about
690 px: a display equation or a table wider than its column, a figure drawn
wider than the column (shrunk, so its labels shrink). At 390 px an equation or
table may be wider than the phone, but only inside a box that scrolls sideways.

For the search page (``search.html?q=...``): the search found something and
its snippets show no TeX delimiters.

tests/test_book.py runs this on every page of the built book; it needs only the
standard library and a Chromium binary.
"""

import argparse
import concurrent.futures
import functools
import html as html_lib
import io
import http.server
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

WIDTHS = {1280: 900, 390: 844}  # window width -> height (a laptop, a phone)
WAIT_MS = 5000  # virtual time after MathJax has typeset, for the widget manager to draw

# Requests Chromium makes on its own (component updates, clock, sign-in),
# whatever the page: not the page's, so not findings.
BROWSER_HOSTS = re.compile(
    r"^(accounts\.google\.com|clients\d*\.google\.com|update\.googleapis\.com"
    r"|safebrowsing\.googleapis\.com|optimizationguide-pa\.googleapis\.com"
    r"|content-autofill\.googleapis\.com|[a-z0-9.-]+\.gvt1\.com)$"
)

PROBE = r"""
<script>
(function () {
  var found = [];
  function note(kind, message) { found.push(kind + ": " + String(message).slice(0, 300)); }
  var consoleError = console.error;
  console.error = function () {
    note("console error", Array.prototype.map.call(arguments, String).join(" "));
    return consoleError.apply(console, arguments);
  };
  window.addEventListener("error", function (event) {
    var el = event.target;
    if (el && el !== window && (el.src || el.href)) note("failed to load", el.src || el.href);
    else note("uncaught error", (event.message || "") + " (" + (event.filename || "") + ":" + (event.lineno || "") + ")");
  }, true);
  window.addEventListener("unhandledrejection", function (event) {
    var r = event.reason;
    note("unhandled promise rejection", r && (r.message || r) || r);
  });

  function label(el) {
    var text = (el.getAttribute("aria-label") || el.textContent || "").replace(/\s+/g, " ").trim();
    return text.slice(0, 80);
  }
  function scrollsSideways(el, stop) {
    for (; el && el !== stop; el = el.parentElement) {
      var o = getComputedStyle(el).overflowX;
      if ((o === "auto" || o === "scroll") && el.scrollWidth > el.clientWidth) return true;
    }
    return false;
  }
  function tex(container) {
    try {
      var items = MathJax.startup.document.getMathItemsWithin(container);
      if (items.length) return items[0].math.replace(/\s+/g, " ").slice(0, 90);
    } catch (e) {}
    return label(container);
  }
  function visibleText(root) {
    var copy = root.cloneNode(true);
    copy.querySelectorAll("script, style, pre, code, textarea, mjx-container, .widget-subarea, .jupyter-widgets")
        .forEach(function (el) { el.remove(); });
    return copy.textContent;
  }

  function measure() {
    var article = document.querySelector("article.bd-article") || document.querySelector("main") || document.body;
    var column = article.getBoundingClientRect();
    var out = {width: window.innerWidth, found: found, wide: [], clipped: [], images: [], page: 0};
    out.page = document.documentElement.scrollWidth - window.innerWidth;
    article.querySelectorAll('mjx-container[display="true"]').forEach(function (c) {
      var math = c.querySelector("mjx-math") || c;
      var w = math.getBoundingClientRect().width;
      var room = Math.min(c.clientWidth || column.width, column.width);
      if (w > room + 1) {
        var what = "equation " + Math.round(w) + " px in " + Math.round(room) + " px: " + tex(c);
        out.wide.push(what);
        if (!scrollsSideways(c, article.parentElement)) out.clipped.push(what);
      }
    });
    article.querySelectorAll("table").forEach(function (t) {
      var w = Math.max(t.getBoundingClientRect().width, t.scrollWidth);
      var room = Math.min(t.parentElement.clientWidth, column.width);
      if (w > room + 1) {
        var head = t.querySelector("caption, thead, tr");
        var what = "table " + Math.round(w) + " px in " + Math.round(room) + " px: " + (head ? label(head) : "");
        out.wide.push(what);
        if (!scrollsSideways(t, article.parentElement)) out.clipped.push(what);
      }
    });
    article.querySelectorAll("img").forEach(function (img) {
      var alt = (img.getAttribute("alt") || "").trim();
      var file = (img.getAttribute("src") || "").split("/").pop();
      if (!alt || alt === file || /\.(png|jpe?g|svg|gif)$/i.test(alt) || alt === img.getAttribute("src"))
        out.images.push("no alt text: " + file);
      if (img.naturalWidth > 0 && img.naturalWidth > img.getBoundingClientRect().width * 1.05)
        out.images.push("drawn " + img.naturalWidth + " px wide, shown at " + Math.round(img.getBoundingClientRect().width) + " px: " + (alt || file).slice(0, 60));
    });
    var text = visibleText(article);
    out.nan = (text.match(/\bNaN\b/g) || []).length;
    out.nbval = (text.match(/NBVAL/gi) || []).length;
    out.raw_tex = ["$$", "\\(", "\\)", "\\[", "\\]", "\\begin{", "\\frac"].filter(function (s) { return text.indexOf(s) >= 0; });
    out.math = document.querySelectorAll("div.math, span.math").length;
    out.typeset = document.querySelectorAll("mjx-container").length;
    out.math_errors = document.querySelectorAll("mjx-merror, [data-mjx-error]").length;
    out.widget_views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length;
    out.widgets_drawn = document.querySelectorAll(".widget-subarea").length;
    out.widget_notices = document.querySelectorAll(".lightnets-widget-notice").length;
    out.snippets = Array.prototype.map.call(document.querySelectorAll("#search-results p.context"),
                                            function (p) { return p.textContent; });
    var box = document.createElement("script");
    box.type = "application/json";
    box.id = "lightnets-probe";
    box.textContent = JSON.stringify(out);
    document.body.appendChild(box);
  }

  window.addEventListener("load", function () {
    var typeset = window.MathJax && MathJax.startup && MathJax.startup.promise;
    Promise.resolve(typeset).then(
      function () { setTimeout(measure, %(wait)d); },
      function (err) { note("MathJax failed", err); setTimeout(measure, %(wait)d); });
  });
})();
</script>
""".replace("%(wait)d", str(WAIT_MS))


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class _Site(http.server.SimpleHTTPRequestHandler):
    """Serves the built book, with the probe at the top of every page; logs (path, status)."""

    requests = None  # a list, set per server

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.suffix != ".html" or not path.is_file():
            return super().send_head()
        page = path.read_text(encoding="utf-8")
        page = page.replace("<head>", "<head>" + PROBE, 1)
        body = page.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_request(self, code="-", size="-"):
        self.requests.append((urlsplit(self.path).path, int(code) if str(code).isdigit() else 0))

    def log_message(self, *args):
        pass


class _Trap(http.server.BaseHTTPRequestHandler):
    """A proxy that refuses everything and remembers what it was asked for."""

    hits = None  # a list, set per server

    def _refuse(self):
        self.hits.append((self.command, self.path))
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_PUT = do_OPTIONS = do_CONNECT = _refuse

    def log_message(self, *args):
        pass


def _host(command, path):
    if command == "CONNECT":
        return path.rsplit(":", 1)[0]
    return urlsplit(path).hostname or ""


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)  # a closed tab is not an error


def _serve(handler):
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Pages:
    """Loads pages of one built site in Chromium; ``check(page, width)`` lists the findings.

    Each load gets its own local server and refusing proxy, so loads can run in
    parallel and each one's requests are its own.
    """

    def __init__(self, html_dir, chromium=None):
        self.html_dir = Path(html_dir)
        self.chromium = chromium or chromium_binary()
        if self.chromium is None:
            raise RuntimeError("no Chromium found (looked for chromium, chromium-browser, google-chrome)")

    def load(self, page, width):
        """Chromium's run (final DOM on stdout) for ``page`` in a ``width``-px window, and what it requested."""
        requests, hits = [], []
        site = _serve(functools.partial(type("Site", (_Site,), {"requests": requests}),
                                        directory=str(self.html_dir)))
        trap = _serve(type("Trap", (_Trap,), {"hits": hits}))
        url = f"http://127.0.0.1:{site.server_address[1]}/{page}"
        try:
            with tempfile.TemporaryDirectory(prefix="lightnets-chromium-") as profile:
                proc = subprocess.run(
                    [self.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-quic", "--disable-extensions", "--hide-scrollbars",
                     f"--user-data-dir={profile}", f"--window-size={width},{WIDTHS.get(width, 900)}",
                     # everything not on localhost goes to the trap (loopback is never proxied)
                     f"--proxy-server=http://127.0.0.1:{trap.server_address[1]}",
                     "--virtual-time-budget=30000", "--enable-logging=stderr", "--v=0", "--dump-dom", url],
                    capture_output=True, text=True, timeout=180,
                )
        finally:
            site.shutdown()
            trap.shutdown()
        return proc, requests, hits

    def check(self, page, width):
        """Findings (strings) for ``page`` at ``width`` px; an empty list means the page is fine."""
        proc, requests, hits = self.load(page, width)
        dom = proc.stdout
        match = re.search(r'<script type="application/json" id="lightnets-probe">(.*?)</script>', dom, re.S)
        if proc.returncode != 0 or match is None:
            failed = [line for line in proc.stderr.splitlines() if "Page load failed" in line or "FATAL" in line]
            return [f"the page did not finish loading in Chromium (exit {proc.returncode}): "
                    f"{(failed or proc.stderr.splitlines() or ['no output'])[-1][-300:]}"]
        probe = json.loads(html_lib.unescape(match.group(1)))
        found = list(probe["found"])
        # errors the browser itself logs (e.g. a script that does not parse), in case the probe missed them
        for line in proc.stderr.splitlines():
            m = re.search(r'CONSOLE[:(]\d*\)?\]? "(Uncaught [^"]*)"', line)
            if m and not any(m.group(1)[:60] in f for f in found):
                found.append(f"console: {m.group(1)[:300]}")
        missing = sorted({p for p, status in requests if status >= 400})
        found += [f"missing file: {p}" for p in missing]
        found += [f"remote request: {c} {p}" for c, p in hits if not BROWSER_HOSTS.match(_host(c, p))]
        if probe["page"] > 1:
            found.append(f"the page is {probe['page']} px wider than the {width} px window")
        if width >= 1000:
            found += [f"wider than the column: {w}" for w in probe["wide"]]
        else:
            found += [f"clipped (no sideways scroll): {w}" for w in probe["clipped"]]
        found += probe["images"] if width >= 1000 else [i for i in probe["images"] if i.startswith("no alt")]
        if probe["nan"]:
            found.append(f"'NaN' appears {probe['nan']} times in the text")
        if probe["nbval"]:
            found.append(f"'NBVAL' appears {probe['nbval']} times in the text")
        if probe["raw_tex"]:
            found.append(f"TeX left untypeset in the text: {probe['raw_tex']}")
        if probe["math_errors"]:
            found.append(f"{probe['math_errors']} MathJax errors")
        if probe["typeset"] < probe["math"]:
            found.append(f"MathJax typeset {probe['typeset']} of {probe['math']} formulas")
        if probe["widgets_drawn"] < probe["widget_views"]:
            found.append(f"{probe['widgets_drawn']} of {probe['widget_views']} saved widget views drawn")
        if probe["widget_notices"] < probe["widget_views"]:
            found.append(f"{probe['widget_notices']} notices for {probe['widget_views']} saved widget views")
        if page.startswith("search.html"):
            if not probe["snippets"]:
                found.append("the search found nothing (or showed no snippets)")
            raw = [t for t in probe["snippets"] if any(d in t for d in ("\\(", "\\)", "\\[", "\\]", "$$"))]
            found += [f"TeX in a search snippet: {t[:120]}" for t in raw]
        return found


def book_pages(html_dir):
    """Every page of the built book (the search and index pages excepted), relative to ``html_dir``."""
    html_dir = Path(html_dir)
    skip = {"search.html", "genindex.html", "py-modindex.html"}
    return sorted(str(p.relative_to(html_dir)) for p in html_dir.rglob("*.html")
                  if p.name not in skip and not {"_static", "_sources", "_images"} & set(p.parts))


def check_all(html_dir, pages, widths, workers=3, extra=()):
    """{(page, width): findings} for every page at every width and the ``extra`` (page, width)
    pairs, ``workers`` Chromiums at a time."""
    site = Pages(html_dir)
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        pairs = [(page, w) for page in pages for w in widths] + list(extra)
        jobs = {(page, w): pool.submit(site.check, page, w) for page, w in pairs}
        return {key: job.result() for key, job in jobs.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html_dir", help="the built site, e.g. _build/html")
    parser.add_argument("pages", nargs="*", help="pages relative to html_dir (default: every page)")
    parser.add_argument("--width", type=int, action="append", help="window width in px (default: 1280 and 390)")
    args = parser.parse_args(argv)
    html_dir = Path(args.html_dir)
    if not (html_dir / "index.html").is_file():
        parser.error(f"html_dir: {html_dir} has no index.html; build the book first (make book)")
    if chromium_binary() is None:
        parser.error("no Chromium found; install one, e.g. `apt-get install chromium`")
    pages = args.pages or book_pages(html_dir)
    for page in pages:
        if not (html_dir / page.split("?")[0]).is_file():
            parser.error(f"pages: {page} is not in {html_dir}")
    results = check_all(html_dir, pages, args.width or sorted(WIDTHS, reverse=True))
    bad = 0
    for (page, width), found in results.items():
        print(f"{page} at {width} px: {'ok' if not found else f'{len(found)} findings'}")
        for line in found:
            print(f"    {line}")
        bad += bool(found)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
