"""Budget for the outputs stored in the notebooks: each notebook under BUDGET_KB (or its LARGER_BUDGETS_KB), its stored
widget state included, PNG figures at most MAX_WIDTH_PX wide, no absolute machine paths and no TensorFlow/absl
warnings in stored outputs.

    python .ci/notebook_budget.py --check [PATHS...]   # report sizes, exit 1 with one line per violation
    python .ci/notebook_budget.py --fix PATHS...       # rewrite stored outputs in place (never sources), no rerun

PATHS are notebooks or folders; by default every nbs/**/*.ipynb outside hidden folders and not starting with `_`.
`--fix` is idempotent: a second run changes nothing."""
import argparse
import base64
import io
import json
import re
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_KB = 150  # largest notebook file, in KiB, its stored widget state (what the docs render live) included
LARGER_BUDGETS_KB = {  # notebooks allowed more, relative to the repository, and why
    "nbs/tutorials/regularizers_study.ipynb": 200,  # the study's figures: two mixtures, and digits with two models
}
MAX_WIDTH_PX = 1100  # widest stored PNG: about the width of the rendered docs' content column
PNG_COLORS = 256  # adaptive palette size tried by --fix (kept only when smaller than the lossless encoding)

# Absolute machine paths: not preceded by a word character, `.`, `~`, `:`, `/` or `-`, so URLs and `~/...` do not match
ABS_PATH = re.compile(r"(?<![\w.~:/-])(?:/tmp/|/root/|/home/|(?:/private)?/var/folders/|/Users/|/work/"
                      r"|[A-Za-z]:\\{1,2}Users\\)")
# TensorFlow/absl log lines (Python loggers, C++ absl and TF logs) and Python warnings raised inside TF/Keras/absl
TF_NOISE = re.compile(r"^(?:(?:WARNING|ERROR|INFO):(?:tensorflow|absl):.*"
                      r"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
                      r"|[IWEF]\d{4} [\d:.]+ +\d+ \S+:\d+\] .*"
                      r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] (?:tensorflow|external|xla)/.*"
                      r"|\S*[/\\](?:tensorflow|tf_keras|keras|absl)[/\\]\S*:\d+: \w*Warning: .*(?:\n  .*)?)\n?",
                      re.MULTILINE)
RETRACING = "triggered tf.function retracing"
# (pattern, replacement) applied in order by --fix: the repository, temporary folders, homes, then /work/NAME
PATH_FIXES = [
    (re.compile(r"(?<![\w.~:/-])" + re.escape(str(ROOT)) + r"(?![\w.-])"), "<repo>"),
    (re.compile(r"(?<![\w.~:/-])(?:/tmp|(?:/private)?/var/folders/[^/\s]+/[^/\s]+/T"
                r"|[A-Za-z]:(?:\\{1,2})Users(?:\\{1,2})[^\\\s]+(?:\\{1,2})AppData(?:\\{1,2})Local(?:\\{1,2})Temp)(?![\w.-])"
                r"(?:(?:/|\\{1,2})tmp[a-z0-9_]{8}(?![\w]))?"), "<tmp>"),
    (re.compile(r"(?<![\w.~:/-])(?:/home/[^/\s'\"]+|/Users/[^/\s'\"]+|/root(?=/|\b)"
                r"|[A-Za-z]:(?:\\{1,2})Users(?:\\{1,2})[^\\\s'\"]+)"), "~"),
    (re.compile(r"(?<![\w.~:/-])/work/([^/\s'\"]+)"), r"<\1>"),
]


def notebooks(paths):
    "The notebooks named by `paths` (files, or folders searched recursively), or the project's by default."
    # paths: notebook files and/or folders; empty means nbs/
    found = []
    for path in [Path(p) for p in paths] or [ROOT / "nbs"]:
        if path.is_file(): found.append(path); continue
        found += sorted(p for p in path.rglob("*.ipynb") if not p.name.startswith("_")
                        and not any(part.startswith(".") for part in p.relative_to(path).parts))
    return found


def show(path):
    "`path` relative to the current folder when it is inside it, else as it is."
    # path: a notebook's Path
    try: return str(path.resolve().relative_to(Path.cwd()))
    except ValueError: return str(path)


def text(value):
    "A notebook string field as one string (nbformat stores many as lists of lines)."
    # value: a str or a list of str
    return "".join(value) if isinstance(value, list) else value


def like(original, new):
    "`new` in the same shape as `original`: a list of lines if it was one, else a string."
    # original: the field's stored value; new: the replacement string
    return new.splitlines(keepends=True) if isinstance(original, list) else new


def output_texts(output):
    "(label, text) for every text an output shows: streams, text/* data and error fields; never image data."
    # output: one output dict of a code cell
    if output["output_type"] == "stream": yield f"stream {output['name']}", text(output["text"])
    if output["output_type"] == "error":
        yield "error", "\n".join([output["ename"], output["evalue"], *output["traceback"]])
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/"): yield mime, text(value)


def png_width(data):
    "Width in pixels of a base64 PNG, read from its IHDR header."
    # data: the stored image/png value (base64 str or list of str)
    header = base64.b64decode("".join(text(data).split())[:44])
    return struct.unpack(">I", header[16:20])[0]


def violations(nb):
    "(cell index, message) for every stored output that breaks the budget's rules."
    # nb: the notebook as a dict (json.load)
    for index, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            for label, value in output_texts(output):
                if match := ABS_PATH.search(value):
                    line = value[match.start():].split("\n")[0][:80]
                    yield index, f"absolute path in {label}: {line}"
                if label == "stream stderr" and re.search("WARNING|Warning", value):
                    yield index, f"warning on stderr: {value.strip().splitlines()[0][:80]}"
                elif RETRACING in value: yield index, f"TensorFlow retracing warning in {label}"
                elif TF_NOISE.search(value): yield index, f"TensorFlow/absl log line in {label}"
            if "image/png" in output.get("data", {}) and (width := png_width(output["data"]["image/png"])) > MAX_WIDTH_PX:
                yield index, f"PNG {width} px wide > {MAX_WIDTH_PX} px"


def nb_id(nb, index):
    "The id of cell `index`, or '-' for notebooks older than nbformat 4.5."
    # nb: the notebook dict; index: the cell's position
    return nb["cells"][index].get("id", "-")


def problems(path):
    "One message per violation in the notebook at `path`: its size, then each cell's outputs."
    # path: a notebook
    nb = json.loads(path.read_text(encoding="utf-8"))
    size_kb = path.stat().st_size / 1024
    state_kb = len(json.dumps(nb["metadata"].get("widgets", {}), indent=1).encode()) / 1024
    where = path.resolve().relative_to(ROOT).as_posix() if path.resolve().is_relative_to(ROOT) else None
    budget = LARGER_BUDGETS_KB.get(where, BUDGET_KB)
    found = [f"{size_kb:.0f} KB (of which {state_kb:.0f} KB widget state) > budget of {budget} KB"] \
        if size_kb > budget else []
    return found + [f"cell {i} (id {nb_id(nb, i)}): {message}" for i, message in violations(nb)]


def check(paths):
    "Print every notebook's size and every violation; return how many violations there are."
    # paths: notebooks to check
    count = 0
    for path in paths:
        print(f"{path.stat().st_size / 1024:6.0f} KB  {show(path)}")
        for problem in problems(path): print(f"  {show(path)}: {problem}"); count += 1
    return count


def smaller_png(data):
    "Re-encoded PNG bytes for a base64 PNG (narrowed, palette if smaller, optimized), or None to keep it."
    # data: the stored image/png value
    from PIL import Image  # Pillow comes with matplotlib; only --fix needs it
    raw = base64.b64decode("".join(text(data).split()))
    image = Image.open(io.BytesIO(raw)); image.load()
    too_wide = image.width > MAX_WIDTH_PX
    if not too_wide and image.mode in ("P", "L", "1"): return None  # already a palette/grey image: leave it
    if too_wide:  # area averaging (BOX): sharp text, and no ringing that multiplies colours on pixel mosaics
        height = max(1, round(image.height * MAX_WIDTH_PX / image.width))
        image = image.convert("RGBA").resize((MAX_WIDTH_PX, height), Image.Resampling.BOX)
    rgba = image.convert("RGBA")
    opaque = rgba.getchannel("A").getextrema()[0] == 255
    lossless = rgba.convert("RGB") if opaque else rgba
    if opaque and lossless.convert("L").convert("RGB").tobytes() == lossless.tobytes():
        lossless = lossless.convert("L")  # grey figure: one channel, still lossless
    palette = lossless.convert("RGB" if opaque else "RGBA").quantize(PNG_COLORS, method=Image.Quantize.FASTOCTREE)
    candidates = [encode(lossless), encode(palette)]
    best = min(candidates, key=len)
    return best if too_wide or len(best) < len(raw) else None


def encode(image):
    "PNG bytes of a Pillow image, with optimize=True."
    # image: a Pillow image
    buffer = io.BytesIO(); image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def neutral_paths(value):
    "`value` with temporary folders as <tmp>, the repository as <repo>, homes as ~ and /work/NAME as <NAME>."
    # value: an output text
    for pattern, replacement in PATH_FIXES: value = pattern.sub(replacement, value)
    return value


def fix_output(output):
    "The output with budget-safe content, or None when it was only TensorFlow/absl noise."
    # output: one output dict of a code cell (modified in place)
    if output["output_type"] == "stream":
        cleaned = neutral_paths(TF_NOISE.sub("", text(output["text"])))
        if not cleaned.strip(): return None
        output["text"] = like(output["text"], cleaned)
    if output["output_type"] == "error":
        output["evalue"] = neutral_paths(output["evalue"])
        output["traceback"] = [neutral_paths(line) for line in output["traceback"]]
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/"): output["data"][mime] = like(value, neutral_paths(text(value)))
        if mime == "image/png" and (png := smaller_png(value)) is not None:
            encoded = base64.b64encode(png).decode()
            output["data"][mime] = encoded + "\n" if text(value).endswith("\n") else encoded
    return output


def widget_defaults():
    "{model name: the state a new widget of that model has}, for every widget class ipywidgets defines."
    import ipywidgets  # only --fix needs it
    classes, todo = [], [ipywidgets.Widget]
    while todo: classes.append(cls := todo.pop()); todo += cls.__subclasses__()
    defaults = {}
    for cls in classes:
        try: widget = cls(options=("a",)) if "options" in cls.class_trait_names() else cls()
        except Exception: continue  # abstract bases, and widgets that need arguments
        state = widget.get_state(); widget.close()
        defaults.setdefault(state.get("_model_name"), state)
    return defaults


def lean_widget_state(widgets, defaults):
    "Stored widget state without the layout and style keys their defaults restore, PNG images re-encoded (in place)."
    # widgets: a notebook's metadata.widgets; defaults: widget_defaults()
    for model in widgets.get("application/vnd.jupyter.widget-state+json", {}).get("state", {}).values():
        default = defaults.get(model["model_name"], {})
        if model["model_name"] == "LayoutModel" or model["model_name"].endswith("StyleModel"):  # JS defaults = Python's
            model["state"] = {key: value for key, value in model["state"].items()
                              if key.startswith("_") or key not in default or json.dumps(default[key]) != json.dumps(value)}
        for buffer in model.get("buffers", []):
            if buffer.get("encoding") == "base64" and model["state"].get("format") == "png" \
                    and (png := smaller_png(buffer["data"])) is not None:
                buffer["data"] = base64.b64encode(png).decode()


def fix(path):
    "Rewrite `path`'s stored outputs to meet the budget; return (KB before, KB after)."
    # path: a notebook to rewrite in place
    import nbformat  # only to validate what is written
    before = path.read_text(encoding="utf-8")
    nb = json.loads(before)
    sources = [(c.get("id"), c["source"]) for c in nb["cells"]]
    for cell in nb["cells"]:
        if "outputs" in cell: cell["outputs"] = [o for o in map(fix_output, cell["outputs"]) if o is not None]
    if "widgets" in nb["metadata"]: lean_widget_state(nb["metadata"]["widgets"], widget_defaults())
    assert [(c.get("id"), c["source"]) for c in nb["cells"]] == sources, "sources and ids must not change"
    nbformat.validate(nbformat.from_dict(nb))
    after = json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"  # the layout nbdev_clean writes
    if after != before: path.write_text(after, encoding="utf-8")
    return len(before.encode()) / 1024, len(after.encode()) / 1024


def main(argv=None):
    "Command line: --check [PATHS...] or --fix PATHS..."
    # argv: arguments without the program name (default sys.argv[1:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="report sizes and violations, exit 1 if any")
    mode.add_argument("--fix", action="store_true", help="rewrite stored outputs in place (PATHS required)")
    parser.add_argument("paths", nargs="*", help="notebooks or folders (default for --check: nbs/)")
    args = parser.parse_args(argv)
    if args.fix and not args.paths: parser.error("--fix needs explicit PATHS (notebooks or folders)")
    paths = notebooks(args.paths)
    if args.fix:
        for path in paths:
            before, after = fix(path)
            print(f"{before:6.0f} KB -> {after:4.0f} KB  {show(path)}{'  (over budget)' if problems(path) else ''}")
        return 0
    count = check(paths)
    print(f"{len(paths)} notebooks, {count} violation(s) of the budget "
          f"({BUDGET_KB} KB with widget state, more for {len(LARGER_BUDGETS_KB)} named notebook(s), "
          f"PNG <= {MAX_WIDTH_PX} px, no absolute paths, "
          "no TF warnings)")
    return 1 if count else 0


if __name__ == "__main__":
    sys.exit(main())
