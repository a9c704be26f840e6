"""Small fixes to the page chrome of the LightNets book (a local Sphinx extension).

- Every page gets book/static/lightnets.css and lightnets.js: the notice on
  saved widgets, alt text for the figures inside them, the MathJax 2 call the
  widget manager makes, and the layout rules for long equations and outputs.
- A script registered twice is emitted once. sphinx-thebe registers its
  configuration block on every read of the sources, so an incremental build
  emitted it twice and the second copy failed with
  "Identifier 'THEBE_JS_URL' has already been declared".
"""


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        # the copies differ only in an empty file name: None in one, "" in the other
        filename = getattr(script, "filename", None) or ""
        key = (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    # priority < 500: before the widget manager (nb_ipywidgets_js) and MathJax
    app.add_js_file("lightnets.js", priority=200)
    app.add_css_file("lightnets.css")
    app.connect("html-page-context", _drop_duplicate_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
