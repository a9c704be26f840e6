"""The book builds without a warning and renders offline.

One session-scoped build (vendored JavaScript, then
`jupyter-book build . -W -n --keep-going` from a clean output folder) feeds
every test:

1. the build is warning-free;
2. every page that shows math loads the vendored MathJax, pages with widgets
   load the vendored widget manager, and nothing (script, stylesheet, font,
   image) is loaded from a remote host;
3. the vendored files and their licences are in the built site;
4. every page of the table of contents, loaded in headless Chromium at 1280
   and 390 px with every non-local request sent to a trap, reads well: no
   console error, nothing remote, every local file it asks for exists, math
   typeset, widgets drawn with their notice, no equation or table wider than
   the column at 1280 px, no NaN/NBVAL text, alt text on every image
   (scripts/check_pages.py says how each is measured).
"""

import importlib.util
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml

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
# every page in a browser (scripts/check_pages.py)

spec = importlib.util.spec_from_file_location("check_pages", REPO / "scripts" / "check_pages.py")
check_pages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_pages)


def _toc_pages():
    """The built page of every file in _toc.yml, in reading order."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [f"{name}.html" for name in files]


PAGES = _toc_pages()
SEARCH = "search.html?q=separable"  # a word of many pages, several with formulas nearby


@pytest.fixture(scope="session")
def browser_findings(html_dir):
    """{(page, width): findings} for every page at 1280 and 390 px, loaded once per session."""
    if check_pages.chromium_binary() is None:
        pytest.skip("no Chromium found (looked for chromium, chromium-browser, google-chrome); "
                    "install one, e.g. `apt-get install chromium`, to run the page checks")
    return check_pages.check_all(html_dir, PAGES, sorted(check_pages.WIDTHS, reverse=True),
                                 extra=[(SEARCH, 1280)])


def test_toc_lists_every_chapter_page():
    chapters = sorted(p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [p for p in PAGES if p.startswith("notebooks/")] == [f"notebooks/{c}.html" for c in chapters]


@pytest.mark.parametrize("width", sorted(check_pages.WIDTHS, reverse=True))
@pytest.mark.parametrize("page", PAGES)
def test_page_reads_well_in_chromium(browser_findings, page, width):
    """Offline, at a laptop's and a phone's width: no console error, no remote request,
    nothing wider than the column at 1280 px (only scrollable boxes at 390 px), no NaN or
    NBVAL text, every image with alt text, every formula typeset, every widget drawn
    with its notice (the full list is in scripts/check_pages.py)."""
    found = browser_findings[(page, width)]
    assert not found, f"{page} at {width} px:\n  " + "\n  ".join(found)


def test_search_finds_pages_and_its_snippets_show_no_tex(browser_findings):
    found = browser_findings[(SEARCH, 1280)]
    assert not found, f"{SEARCH}:\n  " + "\n  ".join(found)
