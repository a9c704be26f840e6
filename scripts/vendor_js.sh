#!/usr/bin/env bash
# Vendor the JavaScript the rendered book needs, so that it works offline and
# loads nothing from a CDN.
#
#   package.json / package-lock.json   exact versions (MathJax, RequireJS, the
#                                      Jupyter widgets HTML manager)
#   node_modules/                      npm's install tree (gitignored)
#   book/static/vendor/                what the book serves (gitignored); Sphinx
#                                      copies book/static/ to _static/, so these
#                                      files appear at _static/vendor/...
#
# _config.yml points `mathjax_path` and MyST-NB's `nb_ipywidgets_js` at these
# files. Each package's licence is copied next to its files.
#
# Idempotent and fast: when book/static/vendor/.stamp holds the sha256 of
# package-lock.json (and of this script) and the key files are there, it does
# nothing. Usage: bash scripts/vendor_js.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DEST=book/static/vendor
STAMP="$DEST/.stamp"
# Files whose absence means the vendored tree is incomplete.
KEY_FILES=(
    "$DEST/mathjax/tex-mml-chtml.js"
    "$DEST/mathjax/LICENSE"
    "$DEST/requirejs/require.min.js"
    "$DEST/requirejs/LICENSE"
    "$DEST/html-manager/embed-amd.js"
    "$DEST/html-manager/amd-paths.js"
    "$DEST/html-manager/LICENSE"
)

# The stamp covers the lock file (what is installed) and this script (what is
# copied), so editing either one re-vendors.
sha256() { if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi; }
want="$(cat package-lock.json scripts/vendor_js.sh | sha256 | cut -d' ' -f1)"

up_to_date() {
    [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]] || return 1
    local f
    for f in "${KEY_FILES[@]}"; do [[ -s "$f" ]] || return 1; done
}

if up_to_date; then
    echo "vendor_js: $DEST is up to date"
    exit 0
fi

# One run at a time per checkout (e.g. `make book` and `make test` started
# together): wait for the other run, then check again.
if command -v flock >/dev/null 2>&1; then
    LOCK="${TMPDIR:-/tmp}/lightnets-vendor-js-$(printf '%s' "$ROOT" | sha256 | cut -c1-16).lock"
    exec 9>"$LOCK"
    flock 9
    if up_to_date; then
        echo "vendor_js: $DEST is up to date"
        exit 0
    fi
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "vendor_js: npm not found; install Node.js with npm (7 or newer), then re-run" >&2
    exit 1
fi

echo "vendor_js: npm ci (exact versions from package-lock.json)"
# --ignore-scripts: we only copy prebuilt files, no package needs to run code.
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

NM=node_modules
mkdir -p "$(dirname "$DEST")"
TMP="$(mktemp -d "$DEST.tmp.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"   # mktemp -d makes it private; the site must be readable

# copy SRC (file or directory) to DST, creating parent folders
put() {
    mkdir -p "$(dirname "$2")"
    cp -R "$1" "$2"
}

# --- MathJax 3 (Apache-2.0) -------------------------------------------------
# tex-mml-chtml.js bundles the loader, TeX and MathML input, CommonHTML output,
# the context menu and assistive MathML. Everything else it may load lazily,
# relative to its own URL, is copied with the same layout:
#   input/tex/extensions/   TeX packages loaded by `autoload` (\color, \cancel,
#                           \boldsymbol, \ce, ...) or by \require
#   input/mml/entities.js   named character entities in MathML input
#   output/chtml/fonts/woff-v2/   the CommonHTML fonts
#   output/svg.js, output/svg/fonts/tex.js   menu > Math Renderer > SVG
#   a11y/                   menu > Accessibility (explorer, complexity,
#                           semantic enrichment, speech rule engine)
#   sre/mathmaps/           speech rules, one file per menu language
# Not copied: the other combined bundles, node/ and mml3 files, which only a
# different configuration would request.
MJ="$NM/mathjax/es5"
MJD="$TMP/mathjax"
put "$MJ/tex-mml-chtml.js" "$MJD/tex-mml-chtml.js"
put "$MJ/input/tex/extensions" "$MJD/input/tex/extensions"
put "$MJ/input/mml/entities.js" "$MJD/input/mml/entities.js"
put "$MJ/output/chtml/fonts/woff-v2" "$MJD/output/chtml/fonts/woff-v2"
put "$MJ/output/svg.js" "$MJD/output/svg.js"
put "$MJ/output/svg/fonts/tex.js" "$MJD/output/svg/fonts/tex.js"
put "$MJ/a11y" "$MJD/a11y"
put "$MJ/sre/mathmaps" "$MJD/sre/mathmaps"
put "$NM/mathjax/LICENSE" "$MJD/LICENSE"

# --- RequireJS (MIT) --------------------------------------------------------
# The npm package ships require.js unminified; r.js (same package) minifies it
# with its bundled UglifyJS and keeps the @license header.
RJD="$TMP/requirejs"
mkdir -p "$RJD"
node "$NM/requirejs/bin/r.js" -o baseUrl="$NM/requirejs" paths.requireLib=require \
    name=requireLib skipModuleInsertion=true logLevel=4 out="$RJD/require.min.js"
# The package has no LICENSE file; its header names the licence and holder.
{
    echo "RequireJS $(node -p "require('./$NM/requirejs/package.json').version"), from the npm package \"requirejs\"."
    echo "Its header reads:"
    echo
    sed -n '2,3p' "$NM/requirejs/require.js" | sed 's/^ \* \{0,1\}/    /'
    cat <<'EOF'

MIT License

Copyright jQuery Foundation and other contributors.

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.
EOF
} > "$RJD/LICENSE"

# --- @jupyter-widgets/html-manager (BSD-3-Clause) ---------------------------
# embed-amd.js is one self-contained AMD bundle (base, controls, output and the
# manager; no lazily loaded chunks). Its only other requests are the Font
# Awesome fonts its CSS references, resolved next to embed-amd.js; browsers
# take the woff2 entry of each @font-face, so only the woff2 files are copied.
# It falls back to a CDN only for third-party widget modules that are not
# bundled; the course uses ipywidgets' own controls only.
HM="$NM/@jupyter-widgets/html-manager"
HMD="$TMP/html-manager"
mkdir -p "$HMD"
cp "$HM/dist/embed-amd.js" "$HMD/"
cp "$HM/dist/"*.woff2 "$HMD/"
# webpack resolves those font URLs against the URL RequireJS gives each AMD
# module, by default <page folder>/@jupyter-widgets/..., where nothing is
# served. This small script, loaded between require.min.js and embed-amd.js
# (see nb_ipywidgets_js in _config.yml), maps the manager's module names to
# this folder, so the fonts are fetched from here.
cat > "$HMD/amd-paths.js" <<'EOF'
/* Generated by scripts/vendor_js.sh. Load after require.min.js and before
   embed-amd.js. Points RequireJS at this folder for the widget manager's AMD
   modules, so that the font files their CSS references load from here. */
(function () {
  var here = new URL(".", document.currentScript.src).href.replace(/\/$/, "");
  window.require.config({
    paths: {
      "@jupyter-widgets/html-manager": here + "/html-manager",
      "@jupyter-widgets/html-manager/dist": here
    }
  });
})();
EOF
# Licence banners of the libraries bundled into the manager (jQuery, Lumino...).
cp "$HM/dist/embed.js.LICENSE.txt" "$HMD/THIRD_PARTY_LICENSES.txt"
cp "$NM/@fortawesome/fontawesome-free/LICENSE.txt" "$HMD/LICENSE-fontawesome.txt"
# The npm package has no LICENSE file; this is the ipywidgets repository's
# licence, which covers packages/html-manager.
cat > "$HMD/LICENSE" <<'EOF'
Copyright (c) 2015 Project Jupyter Contributors
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.

3. Neither the name of the copyright holder nor the names of its
   contributors may be used to endorse or promote products derived from
   this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE
FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,
OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
EOF

# Record the versions actually copied.
node -e '
const v = (p) => require("./node_modules/" + p + "/package.json").version;
console.log(["mathjax", "requirejs", "@jupyter-widgets/html-manager"]
  .map((p) => p + "@" + v(p)).join("\n"));
' > "$TMP/VERSIONS"

# Swap in the complete tree, then stamp it.
rm -rf "$DEST"
mv "$TMP" "$DEST"
echo "$want" > "$STAMP"
echo "vendor_js: wrote $DEST ($(du -sh "$DEST" | cut -f1))"
