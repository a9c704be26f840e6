"""The book builds without a warning and renders offline.

One session-scoped build (vendored JavaScript, then
`jupyter-book build . -W -n --keep-going` from a clean output folder) feeds
every test:

1. the build is warning-free;
2. every page that shows math loads the vendored MathJax, pages with widgets
   load the vendored widget manager, and nothing (script, stylesheet, font,
   image) is loaded from a remote host;
3. the vendored files and their licences are in the built site;
4. in headless Chromium, with every non-local request sent to a trap, the
   chapter 1 page is typeset by MathJax, its widgets are rendered, every local
   file it asks for exists and it asks for nothing remote.
"""

import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

REPO = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
CHAPTER_1 = "notebooks/01_cost_of_convolution.html"

MATHJAX = "_static/vendor/mathjax/tex-mml-chtml.js"
# Loaded in this order on a page that holds widget state (nb_ipywidgets_js).
WIDGET_JS = [
    "_static/vendor/requirejs/require.min.js",
    "_static/vendor/html-manager/amd-paths.js",
    "_static/vendor/html-manager/embed-amd.js",
]

# <link rel=...> values that make the browser fetch the target.
FETCHING_RELS = {
    "stylesheet", "preload", "modulepreload", "prefetch", "preconnect",
    "dns-prefetch", "icon", "apple-touch-icon", "manifest",
}
# Elements whose src (or data) attribute the browser fetches.
SRC_TAGS = {"script", "img", "iframe", "source", "audio", "video", "track", "embed", "input"}

# Requests Chromium makes on its own (component updates, clock, sign-in),
# whatever the page: not page resources, so ignored by the request trap.
BROWSER_HOSTS = re.compile(
    r"^(accounts\.google\.com|clients\d*\.google\.com|update\.googleapis\.com"
    r"|safebrowsing\.googleapis\.com|optimizationguide-pa\.googleapis\.com"
    r"|content-autofill\.googleapis\.com|[a-z0-9.-]+\.gvt1\.com)$"
)


# --------------------------------------------------------------------------
# the build


@pytest.fixture(scope="session")
def build(tmp_path_factory):
    """Vendor the JavaScript (fast when done), build the book into a fresh folder."""
    vendor = subprocess.run(
        ["bash", "scripts/vendor_js.sh"], cwd=REPO, capture_output=True, text=True
    )
    assert vendor.returncode == 0, (
        "scripts/vendor_js.sh failed (it needs npm):\n" + vendor.stdout + vendor.stderr
    )
    if not JUPYTER_BOOK.exists():  # e.g. the package's tests run against minimum versions, without the book's tools
        pytest.skip(f"jupyter-book is not installed next to {sys.executable}: the book tests need requirements.txt")
    out = tmp_path_factory.mktemp("book")
    proc = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(REPO), "--path-output", str(out),
         "-W", "-n", "--keep-going"],
        cwd=REPO, capture_output=True, text=True, timeout=900,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"jupyter-book build failed:\n{log[-6000:]}"
    return out / "_build" / "html", log


@pytest.fixture(scope="session")
def html_dir(build):
    return build[0]


def test_build_is_warning_free(build):
    _, log = build
    warnings = [line for line in log.splitlines() if "WARNING" in line]
    assert not warnings, "the book build printed warnings:\n" + "\n".join(warnings)


# --------------------------------------------------------------------------
# what the pages load


class _Resources(HTMLParser):
    """Collects what a page makes the browser fetch, plus its math and widgets."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fetched = []          # (tag, url)
        self.scripts = []          # src of every <script src>, in order
        self.styles = []           # inline CSS: <style> bodies and style="..."
        self.cdn_attrs = []        # data-jupyter-widgets-cdn attributes
        self.math = 0              # elements with class "math"
        self.widget_state = 0      # widget-state scripts
        self.widget_views = 0      # widget-view scripts
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if "math" in a.get("class", "").split():
            self.math += 1
        if a.get("style"):
            self.styles.append(a["style"])
        if any(k.startswith("data-jupyter-widgets-cdn") for k in a):
            self.cdn_attrs.append(tag)
        if tag == "script":
            kind = a.get("type", "")
            self.widget_state += kind == "application/vnd.jupyter.widget-state+json"
            self.widget_views += kind == "application/vnd.jupyter.widget-view+json"
            if a.get("src"):
                self.scripts.append(a["src"])
        if tag == "style":
            self._in_style = True
        if tag in SRC_TAGS and a.get("src"):
            self.fetched.append((tag, a["src"]))
        if tag in ("img", "source") and a.get("srcset"):
            for part in a["srcset"].split(","):
                if part.strip():
                    self.fetched.append((tag, part.split()[0]))
        if tag == "object" and a.get("data"):
            self.fetched.append((tag, a["data"]))
        if tag == "link" and a.get("href"):
            if FETCHING_RELS & set(a.get("rel", "").lower().split()):
                self.fetched.append((f"link rel={a.get('rel')}", a["href"]))

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def _pages(html_dir):
    """Every built HTML page (the theme's template fragments in _static excluded)."""
    pages = sorted(p for p in html_dir.rglob("*.html") if "_static" not in p.parts)
    assert pages, f"no HTML pages under {html_dir}"
    return pages


def _parse(page):
    parser = _Resources()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _is_remote(url):
    url = url.strip()
    return url.startswith("//") or urlsplit(url).scheme.lower() in ("http", "https", "ftp")


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""")


def _css_urls(text):
    return [a or b for a, b in CSS_URL.findall(text)]


def _site_path(html_dir, page, src):
    """The site-relative path a page's (relative) src points to, query dropped."""
    base = "/" + page.relative_to(html_dir).as_posix()
    return urlsplit(urljoin(base, src)).path.lstrip("/")


def test_nothing_is_loaded_from_a_remote_host(html_dir):
    offenders = []
    for page in _pages(html_dir):
        name = page.relative_to(html_dir).as_posix()
        res = _parse(page)
        offenders += [f"{name}: <{tag}> {url}" for tag, url in res.fetched if _is_remote(url)]
        offenders += [f"{name}: inline style url({u})" for css in res.styles
                      for u in _css_urls(css) if _is_remote(u)]
        offenders += [f"{name}: <{tag}> has a data-jupyter-widgets-cdn attribute"
                      for tag in res.cdn_attrs]
    for css in sorted((html_dir / "_static").rglob("*.css")):
        text = css.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{css.relative_to(html_dir)}: url({u})"
                      for u in _css_urls(text) if _is_remote(u)]
    assert not offenders, "remote resources in the built book:\n" + "\n".join(offenders)


def test_math_pages_load_the_vendored_mathjax(html_dir):
    problems, with_math = [], []
    for page in _pages(html_dir):
        name = page.relative_to(html_dir).as_posix()
        res = _parse(page)
        scripts = [_site_path(html_dir, page, s) for s in res.scripts if not _is_remote(s)]
        mathjax = [s for s in scripts if "mathjax" in s.lower()]
        if any(s != MATHJAX for s in mathjax):
            problems.append(f"{name}: loads another MathJax: {mathjax}")
        if res.math:
            with_math.append(name)
            if MATHJAX not in scripts:
                problems.append(f"{name}: has {res.math} math elements but does not load {MATHJAX}")
    assert CHAPTER_1 in with_math, f"{CHAPTER_1} shows no math"
    assert "book/conventions.html" in with_math, "book/conventions.html shows no math"
    assert not problems, "\n".join(problems)


def test_widget_pages_load_the_vendored_widget_manager(html_dir):
    problems = []
    for page in _pages(html_dir):
        name = page.relative_to(html_dir).as_posix()
        res = _parse(page)
        scripts = [_site_path(html_dir, page, s) for s in res.scripts if not _is_remote(s)]
        loaded = [s for s in scripts if s in WIDGET_JS]
        if res.widget_state and loaded != WIDGET_JS:
            problems.append(f"{name}: has widget state but loads {loaded}, expected {WIDGET_JS}")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------
# the vendored files


VENDORED = [
    "mathjax/tex-mml-chtml.js",
    "mathjax/LICENSE",
    "mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff",
    "mathjax/input/tex/extensions/boldsymbol.js",
    "mathjax/input/mml/entities.js",
    "mathjax/output/svg.js",
    "mathjax/a11y/explorer.js",
    "mathjax/sre/mathmaps/en.json",
    "requirejs/require.min.js",
    "requirejs/LICENSE",
    "html-manager/embed-amd.js",
    "html-manager/amd-paths.js",
    "html-manager/LICENSE",
    "html-manager/LICENSE-fontawesome.txt",
    "html-manager/THIRD_PARTY_LICENSES.txt",
]


def test_vendored_files_and_licences_are_in_the_build(html_dir):
    vendor = html_dir / "_static" / "vendor"
    missing = [f for f in VENDORED if not (vendor / f).is_file() or (vendor / f).stat().st_size == 0]
    assert not missing, f"missing or empty in {vendor}: {missing}"

    # every font the widget manager's CSS asks for sits next to embed-amd.js
    embed = (vendor / "html-manager" / "embed-amd.js").read_text(encoding="utf-8")
    fonts = set(re.findall(r'"([0-9a-f]{20}\.woff2)"', embed))
    assert fonts, "no woff2 font referenced by embed-amd.js (did its build change?)"
    assert not [f for f in fonts if not (vendor / "html-manager" / f).is_file()]

    assert "@license RequireJS" in (vendor / "requirejs" / "require.min.js").read_text(encoding="utf-8")

    # the copied versions are the locked ones
    lock = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    copied = dict(line.rsplit("@", 1) for line in
                  (vendor / "VERSIONS").read_text(encoding="utf-8").split())
    for name, version in copied.items():
        assert lock[f"node_modules/{name}"]["version"] == version, name


# --------------------------------------------------------------------------
# the page in a browser


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site and records (path, status) of every request."""

    requests = None  # set per server

    def log_request(self, code="-", size="-"):
        self.requests.append((urlsplit(self.path).path, int(code) if str(code).isdigit() else 0))

    def log_message(self, *args):
        pass


class _Trap(http.server.BaseHTTPRequestHandler):
    """A proxy that refuses everything and remembers what it was asked for."""

    hits = None  # set per server

    def _refuse(self):
        self.hits.append((self.command, self.path))
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_PUT = do_OPTIONS = do_CONNECT = _refuse

    def log_message(self, *args):
        pass


def _serve(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _host(command, path):
    if command == "CONNECT":
        return path.rsplit(":", 1)[0]
    return urlsplit(path).hostname or ""


def _visible_text(html):
    """Text of the page's main content, without scripts, styles, code or typeset math."""
    match = re.search(r"<main\b.*?</main>", html, re.S) or re.search(r"<body\b.*</body>", html, re.S)
    html = match.group(0) if match else html
    for tag in ("script", "style", "pre", "code", "textarea", "mjx-container"):
        html = re.sub(rf"<{tag}\b.*?</{tag}>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_chapter_page_renders_offline_in_chromium(html_dir, tmp_path):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("no Chromium found (looked for chromium, chromium-browser, google-chrome); "
                    "install one, e.g. `apt-get install chromium`, to run this test")
    page = html_dir / CHAPTER_1
    assert page.is_file(), f"{CHAPTER_1} was not built"
    built = _parse(page)

    requests, hits = [], []
    site = _serve(type("Site", (_QuietHandler,), {"requests": requests}))
    site.RequestHandlerClass = functools.partial(site.RequestHandlerClass, directory=str(html_dir))
    trap = _serve(type("Trap", (_Trap,), {"hits": hits}))
    try:
        url = f"http://127.0.0.1:{site.server_address[1]}/{CHAPTER_1}"
        proc = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-quic", "--disable-extensions",
             f"--user-data-dir={tmp_path / 'chromium-profile'}",
             # everything not on localhost goes to the trap (loopback is never proxied)
             f"--proxy-server=http://127.0.0.1:{trap.server_address[1]}",
             "--virtual-time-budget=15000", "--dump-dom", url],
            capture_output=True, text=True, timeout=180,
        )
    finally:
        site.shutdown()
        trap.shutdown()
    dom = proc.stdout
    assert proc.returncode == 0 and "</html>" in dom, (
        f"Chromium failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")

    # MathJax typeset every formula, without errors, and left no raw TeX behind
    typeset = dom.count("<mjx-container")
    assert typeset >= built.math > 0, (
        f"MathJax typeset {typeset} formulas; the page has {built.math} math elements")
    assert "<mjx-merror" not in dom and "data-mjx-error" not in dom, "MathJax reported an error"
    text = _visible_text(dom)
    raw = [s for s in ("$$", "\\(", "\\)", "\\[", "\\]", "\\begin{") if s in text]
    assert not raw, f"untypeset TeX left in the page text: {raw}"

    # each saved widget view was rendered by the vendored manager
    rendered = dom.count('class="widget-subarea"')
    assert rendered >= built.widget_views, (
        f"{rendered} of {built.widget_views} widget views rendered")

    # every local file the page asked for exists (a browser always tries /favicon.ico)
    missing = sorted({p for p, status in requests if status >= 400 and p != "/favicon.ico"})
    assert not missing, f"the page requested files that are not in the build: {missing}"

    # and nothing was requested from another host
    remote = [f"{c} {p}" for c, p in hits if not BROWSER_HOSTS.match(_host(c, p))]
    assert not remote, "the page tried to load remote resources:\n" + "\n".join(remote)
