"""Write README.md from nbs/index.ipynb with nbconvert (nbdev 2's `nbdev_readme` needs Quarto, which this project
does not require). Cells marked `#| hide` are left out and `#|` directives are removed, as nbdev does.
`--check` exits 1, writing nothing, if README.md is not what index.ipynb gives."""
import sys
from pathlib import Path

import nbformat
from nbconvert import MarkdownExporter
from nbconvert.preprocessors import Preprocessor

root = Path(__file__).resolve().parent.parent
NOTICE = "<!-- Generated from nbs/index.ipynb by .ci/make_readme.py: edit the notebook, not this file. -->\n\n"


class NbdevDirectives(Preprocessor):
    "Drop `#| hide` cells and strip `#|` directive lines from the others."
    def preprocess(self, nb, resources):
        nb.metadata.setdefault("language_info", {"name": "python"})  # for ```python fences; nbdev_clean drops it
        def directives(cell): return [l for l in cell.source.splitlines() if l.startswith("#|")]
        nb.cells = [c for c in nb.cells if not any(d.split()[1:2] == ["hide"] for d in directives(c))]
        for cell in nb.cells:
            cell.source = "\n".join(l for l in cell.source.splitlines() if not l.startswith("#|")).strip("\n")
        return nb, resources


def readme_text():
    exporter = MarkdownExporter(preprocessors=[NbdevDirectives])
    body, _ = exporter.from_notebook_node(nbformat.read(root / "nbs" / "index.ipynb", as_version=4))
    return NOTICE + body.strip() + "\n"


if __name__ == "__main__":
    text, readme = readme_text(), root / "README.md"
    if "--check" in sys.argv:
        if readme.read_text() != text:
            sys.exit("README.md is out of date with nbs/index.ipynb: run `python .ci/make_readme.py` and commit it.")
        print("README.md matches nbs/index.ipynb")
    else:
        readme.write_text(text)
