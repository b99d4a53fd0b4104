"""Run notebooks and store their outputs in place, as a reader running them would see them, except the cells under a
test flag (`#| slow`, `#| benchmark`): those keep their stored outputs from the full runs. For maintainers, after a
change to a notebook's code: `python .ci/execute_notebooks.py nbs/06_plots.ipynb ...`, then `nbdev_clean`."""
import configparser
import os
import re
import sys
from pathlib import Path

from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

SETTINGS = configparser.ConfigParser(delimiters=["="])
SETTINGS.read(Path(__file__).resolve().parent.parent / "settings.ini")
FLAGS = SETTINGS["DEFAULT"].get("tst_flags", "").split()  # the test flags of settings.ini: cells run only when asked
FLAGGED = re.compile(rf"^#\|\s*({'|'.join(FLAGS) or '(?!)'})\b", re.M)


def skipped(cell) -> bool:
    "True for cells not to run: markdown, and code under a test flag."
    return cell.cell_type != "code" or bool(FLAGGED.search(cell.source))


def execute(path: Path):
    "Run `path`'s unflagged cells in its folder and write their outputs into it; stop at the first error."
    nb, cwd = read_nb(path), os.getcwd()
    os.chdir(path.parent)
    try:
        shell = CaptureShell(path, mpl_format="png")  # execnb's default is retina: twice the pixels
        shell.run_all(nb, exc_stop=True, preproc=skipped)
    finally:
        os.chdir(cwd)
    write_nb(nb, path)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"executing {name}", flush=True)
        execute(Path(name).resolve())
