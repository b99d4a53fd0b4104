"""Sphinx configuration of the offline docs site; used by .ci/build_docs.py, which stages the processed notebooks
and sets NORMGAN_DOCS_STATIC to the vendored JavaScript (require.js, the ipywidgets HTML manager, MathJax)."""
import configparser
import os
from pathlib import Path

settings = configparser.ConfigParser()
settings.read(Path(__file__).resolve().parents[2] / "settings.ini")
ini = settings["DEFAULT"]

project = ini["title"]
author = ini["author"]
copyright = ini["copyright"]
release = version = ini["version"]

extensions = ["myst_nb", "sphinx.ext.mathjax"]
root_doc = "index"
exclude_patterns = ["**.ipynb_checkpoints"]

# Notebooks: stored outputs only, never executed here
nb_execution_mode = "off"
nb_merge_streams = True
nb_render_markdown_format = "myst"  # outputs too: show_doc's `[source](url){target=...}` attributes
myst_enable_extensions = ["dollarmath", "amsmath", "attrs_inline"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # a `###` right under a page's `#` title (nbdev's style) is fine in HTML

# Everything a page loads comes from the site itself: no CDN at view time
if "NORMGAN_DOCS_STATIC" not in os.environ:
    raise RuntimeError("build the docs with `python .ci/build_docs.py`: it provides the vendored JavaScript")
html_static_path = [os.environ["NORMGAN_DOCS_STATIC"], "_static"]
html_css_files = ["normgan.css"]
mathjax_path = "mathjax/tex-mml-chtml.js"  # relative to _static/
# `$...$` as in Jupyter, for the formulas in widget labels (myst already turned the pages' own `$` math into \(...\))
mathjax3_config = {"tex": {"inlineMath": [["$", "$"], ["\\(", "\\)"]], "processEscapes": True}}
nb_ipywidgets_js = {  # on pages with stored widgets, in this order
    "ipywidgets_offline.js": {},  # the manager's fonts from this site; MathJax 2's API on MathJax 3: see the file
    "require.js": {},
    "jupyter-widgets/embed-amd.js": {},
}

html_theme = "alabaster"
html_title = f"{project} {version}"
html_theme_options = {
    "description": ini["description"].split(":")[0],
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "230px",
    "show_relbars": True,
}
html_sidebars = {"**": ["about.html", "searchfield.html", "navigation.html", "relations.html"]}
html_show_sourcelink = False
