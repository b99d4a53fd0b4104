"""Build the documentation site from the notebooks in nbs/, offline, with Sphinx + myst-nb (no Quarto needed).

    python .ci/build_docs.py [--out DIR] [--extra NOTEBOOK ...]

Every notebook in nbs/ whose name does not start with `_` becomes a page, in reading order: index.ipynb first (the
home page, also README's source), then the numbered chapters, tutorials/, then 90_benchmarks and the later
numbers. Notebooks are not executed: the pages show their stored outputs (figures, nbdev's `show_doc` API docs,
stored ipywidgets state, rendered live). nbdev's `#|` directives are handled as nbdev's docs do: `#| hide` cells
(and `include: false`) are left out, `#| export` code is shown without its directive lines, `show_doc(...)` cells
show only their output, `echo: false` / `output: false` hide a cell's source / outputs.

The notebooks are copied, so processed, to a temporary Sphinx source folder with a generated contents tree; the
Sphinx configuration is .ci/docs/conf.py; warnings are errors. The JavaScript the pages need (require.js, the
ipywidgets HTML manager, MathJax) comes from the npm registry at build time, pinned, into a cache
(~/.cache/normgan_nb/docs-js, or $NORMGAN_DOCS_CACHE), and is served from the site's own _static/: the pages ask
for nothing outside the site. `--extra` adds notebooks (e.g. a test page) at the end of the contents. Writes
_docs/ by default (nbdev's Quarto `nbdev_docs` writes the same folder: the last build wins)."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import nbformat
from nbdev.process import extract_directives

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT / "nbs"
CONF_DIR = ROOT / ".ci" / "docs"
# npm package -> (version, {path in its tarball: path under the site's _static/})
JS_PACKAGES = {
    "requirejs": ("2.3.7", {"require.js": "require.js"}),
    "@jupyter-widgets/html-manager": ("1.0.15", {"dist": "jupyter-widgets"}),
    "mathjax": ("3.2.2", {"es5": "mathjax"}),
}
SKIP = re.compile(r"\.map$|(^|/)embed\.js|(^|/)sre/|(^|/)output/svg|-full|tex-svg|mml-svg")  # files no page needs
RULE = re.compile(r"^---$", re.M)
SHOW_DOC = re.compile(r"^\s*show_doc\(", re.M)
NUMBERED = re.compile(r"(\d+)[a-z]?_")  # 08_train, 08a_tuning (read after 08, before 09), ...


def cache_dir():
    "Where the pinned npm packages are unpacked, once."
    return Path(os.environ.get("NORMGAN_DOCS_CACHE") or Path.home() / ".cache" / "normgan_nb" / "docs-js")


def vendor_js():
    "A folder with the site's JavaScript (for _static/), from the npm registry on first use, then from the cache."
    cache = cache_dir()
    for name, (version, _) in JS_PACKAGES.items():
        unpacked = cache / f"{name.replace('/', '__')}@{version}"
        if (unpacked / "package.json").exists(): continue
        with tempfile.TemporaryDirectory() as tmp:
            print(f"npm pack {name}@{version}", flush=True)
            subprocess.run(["npm", "pack", "--silent", "--pack-destination", tmp, f"{name}@{version}"],
                           check=True, stdout=subprocess.DEVNULL)
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python >= 3.10.12 / 3.11.4
            with tarfile.open(next(Path(tmp).glob("*.tgz"))) as tar: tar.extractall(Path(tmp) / "x", **safe)
            unpacked.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(unpacked, ignore_errors=True)
            shutil.move(Path(tmp) / "x" / "package", unpacked)
    static = cache / "static"
    stamp = static / ".versions"
    versions = repr(sorted((n, v) for n, (v, _) in JS_PACKAGES.items()))
    if not stamp.exists() or stamp.read_text() != versions:  # assemble _static's vendored part once per pin set
        shutil.rmtree(static, ignore_errors=True)
        for name, (version, files) in JS_PACKAGES.items():
            unpacked = cache / f"{name.replace('/', '__')}@{version}"
            for src, dst in files.items():
                for path in [unpacked / src] if (unpacked / src).is_file() else sorted((unpacked / src).rglob("*")):
                    rel = path.relative_to(unpacked / src) if path != unpacked / src else Path()
                    if path.is_dir() or SKIP.search(str(Path(src) / rel)): continue
                    target = static / dst / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)
        stamp.write_text(versions)
    return static


def notebooks():
    "The notebooks of nbs/ in reading order: index, chapters (numbers < 90), tutorials/, then numbers >= 90."
    def shown(path): return not any(p.startswith(("_", ".")) for p in path.relative_to(NBS).parts)
    found = sorted(p for p in NBS.rglob("*.ipynb") if shown(p))
    def number(p): return int(m.group(1)) if (m := NUMBERED.match(p.name)) else None
    top = [p for p in found if p.parent == NBS and p.name != "index.ipynb"]
    chapters = [p for p in top if number(p) is not None and number(p) < 90]
    later = [p for p in top if p not in chapters]
    nested = [p for p in found if p.parent != NBS]
    return [NBS / "index.ipynb"] + chapters + nested + later


def processed(nb):
    "The notebook as the docs show it: nbdev directives applied and removed from the sources."
    cells = []
    for cell in nb.cells:
        directives = extract_directives(cell, remove=True)  # removes nbdev's own `#|` lines, keeps Quarto's `key:` ones
        cell.source = "\n".join(l for l in cell.source.splitlines() if not re.match(r"\s*#\s*\|", l)).strip("\n")
        cell.source = "\n".join(l for l in cell.source.splitlines() if not re.search(r"#\|\s*hide_line\s*$", l))
        def value(key): return (directives.get(key + ":") or [""])[0].lower()
        if "hide" in directives or value("include") == "false": continue
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type == "code":
            if directives.keys() & {"exporti", "default_exp"} or value("echo") == "false" or SHOW_DOC.match(cell.source):
                tags.add("remove-input")  # as nbdev's docs: internal exports and show_doc calls show no source
            if value("output") == "false": tags.add("remove-output")
            if not cell.source.strip() and not cell.outputs: continue
        if cell.cell_type == "markdown" and not cell.source.strip(): continue
        if tags: cell.metadata["tags"] = sorted(tags)
        stored = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
        if cell.cell_type == "code":  # a widget whose state was not stored (a notebook run without it) cannot render
            cell.outputs = [o for o in cell.outputs if "application/vnd.jupyter.widget-view+json" not in o.get("data", {})
                            or o.data["application/vnd.jupyter.widget-view+json"].get("model_id") in stored]
        for output in cell.get("outputs", []):  # show_doc's `---` rule: docutils allows transitions only between sections
            if "text/markdown" in output.get("data", {}):
                output.data["text/markdown"] = RULE.sub('<hr class="docstring-rule">', output.data["text/markdown"])
        cells.append(cell)
    title = next((i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("# ")), 0)
    nb.cells = [cells[title]] + cells[:title] + cells[title + 1:] if cells else cells  # the title first, as nbdev's docs
    nb.metadata.setdefault("language_info", {"name": "python"})  # code highlighting (nbdev_clean drops it)
    return nb


def contents(docs, extra):
    "The contents trees appended to the home page: chapters, tutorials, more, and extra pages."
    groups = {"Chapters": [], "Tutorials": [], "More": []}
    for doc in docs[1:]:
        folder = doc.split("/")[0] if "/" in doc else None
        number = NUMBERED.match(doc)
        groups["Tutorials" if folder else "Chapters" if number and int(number.group(1)) < 90 else "More"].append(doc)
    if extra: groups["Test pages"] = extra
    trees = [f"```{{toctree}}\n:caption: {caption}\n:maxdepth: 1\n\n" + "\n".join(pages) + "\n```"
             for caption, pages in groups.items() if pages]
    return "## Contents\n\n" + "\n\n".join(trees)


def stage(src, extra):
    "Write the Sphinx source folder `src`: processed notebooks and a home page with the contents."
    docs, extra_docs = [], []
    for path in notebooks():
        rel = path.relative_to(NBS)
        nb = processed(nbformat.read(path, as_version=4))
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        if rel.name == "index.ipynb": home = nb
        else: nbformat.write(nb, src / rel)
        docs.append(rel.with_suffix("").as_posix())
    for path in extra:
        name = f"extra_{Path(path).stem}"
        nbformat.write(processed(nbformat.read(path, as_version=4)), src / f"{name}.ipynb")
        extra_docs.append(name)
    home.cells.append(nbformat.v4.new_markdown_cell(contents(docs, extra_docs)))
    nbformat.write(home, src / "index.ipynb")
    return docs + extra_docs


def build(out=ROOT / "_docs", extra=()):
    "Build the site into `out` (replaced only by a build without warnings); return the page names, in reading order."
    static = vendor_js()
    out = Path(out).resolve()
    with tempfile.TemporaryDirectory(prefix="normgan_docs_") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        pages = stage(src, [Path(p).resolve() for p in extra])
        env = {**os.environ, "NORMGAN_DOCS_STATIC": str(static)}
        html = Path(tmp) / "html"  # myst-nb writes next to its output folder: keep that inside tmp, not beside `out`
        command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "-c", str(CONF_DIR),
                   "-d", str(Path(tmp) / "doctrees"), str(src), str(html)]
        result = subprocess.run(command, env=env)
        if result.returncode: sys.exit(f"sphinx-build failed (exit {result.returncode}): see the warnings above")
        if out.exists():
            if not (out / "searchindex.js").exists() or (out / "nbs").exists() or out == ROOT:
                sys.exit(f"refusing to replace {out}: it is not a site this command built (no searchindex.js)")
            shutil.rmtree(out)
        shutil.move(html, out)  # only a site that built without warnings replaces the previous one
    return pages


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "_docs"), help="output folder (replaced by the new site; default _docs/)")
    parser.add_argument("--extra", nargs="*", default=[], help="more notebooks, added at the end of the contents")
    args = parser.parse_args()
    start = time.time()
    pages = build(args.out, args.extra)
    print(f"built {len(pages)} pages into {os.path.relpath(args.out)} in {time.time() - start:.0f} s")
