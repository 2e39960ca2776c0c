"""What differs on Windows: the venv's layout and how Python starts (Makefile), and text-mode line ends.

CI runs on Linux; these tests simulate Windows: ``make`` with ``OS=Windows_NT`` (Windows sets it in every
shell), and Python's text mode writing ``"\\r\\n"`` (the pure-Python ``_pyio`` with ``os.linesep`` set as on
Windows: the C ``io`` module fixes the line end when it is compiled).
"""

import _pyio
import builtins
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from analysis_utils import appendix, paths, report, runner

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _make_report_commands(tmp_path, *variables: str, launcher: bool = True) -> list[str]:
    """The commands a ``make report`` on a new machine runs (dry run), in a copy of the Makefile; with python.org's
    ``py`` launcher on the PATH (a stub), or without (the Microsoft Store's Python)."""
    for name in ("Makefile", "requirements.txt", "requirements-dev.txt", "pyproject.toml"):
        shutil.copy(paths.PROJECT_ROOT / name, tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON", "OS")}
    (tmp_path / "launcher").mkdir(exist_ok=True)
    (tmp_path / "launcher" / "py").write_text("#!/bin/sh\nexit 1\n")
    (tmp_path / "launcher" / "py").chmod(0o755)
    searched = [folder for folder in env["PATH"].split(os.pathsep) if not os.access(Path(folder, "py"), os.X_OK)]
    env["PATH"] = os.pathsep.join([str(tmp_path / "launcher")] * launcher + searched)
    out = subprocess.run(["make", "-n", "-s", "report", *variables], cwd=tmp_path, capture_output=True, text=True,
                         env=env, check=True).stdout
    return out.splitlines()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_report_on_windows_uses_the_py_launcher_or_the_stores_python_and_the_venvs_scripts_folder(tmp_path):
    windows = _make_report_commands(tmp_path, "OS=Windows_NT")
    venv = windows[0]  # Python 3.11 by the launcher; else uv, installed by any Python 3, with a Python 3.11 of its own
    check = "{ ! command -v py >/dev/null || py -3 scripts/check_path_length.py .venv; } && "  # first: the path's length
    assert venv.startswith(f"{check}if py -3.11 -c ") and "py -3.11 -m venv .venv;" in venv and "py -3 -m venv .build/uv" in venv
    assert ".build/uv/Scripts/python.exe -m pip install" in venv and ".build/uv/Scripts/uv.exe venv" in venv
    assert any(c.startswith(".venv/Scripts/uv.exe pip install --quiet --python .venv/Scripts/python.exe") for c in windows)
    assert windows[-1].startswith(".venv/Scripts/python.exe -m analysis_utils.runner --data-dir 'data/raw'")
    assert not [c for c in windows if "/bin/" in c.replace("/bin/bash", "")]
    store = _make_report_commands(tmp_path, "OS=Windows_NT", launcher=False)  # the Microsoft Store's: no py
    assert "python3.11 -m venv .venv;" in store[0] and "python3 -m venv .build/uv" in store[0]
    assert store[0].startswith("{ ! command -v python3 >/dev/null || python3 scripts/check_path_length.py .venv; } && ")
    assert store[-1].startswith(".venv/Scripts/python.exe -m analysis_utils.runner")
    elsewhere = _make_report_commands(tmp_path)
    assert elsewhere[0].startswith("if python3.11 -c ") and "check_path_length" not in elsewhere[0]
    assert "python3.11 -m venv .venv;" in elsewhere[0] and "python3 -m venv .build/uv" in elsewhere[0]
    assert elsewhere[-1].startswith(".venv/bin/python -m analysis_utils.runner --data-dir 'data/raw'")


def _path_check():
    """``scripts/check_path_length.py``, which the Makefile runs on Windows with any Python 3 (no winreg here)."""
    spec = importlib.util.spec_from_file_location("check_path_length", paths.PROJECT_ROOT / "scripts" / "check_path_length.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_checkout_whose_path_is_too_long_for_a_venv_stops_make_before_it_installs(monkeypatch, capsys):
    check = _path_check()
    # A statistician's OneDrive folder: 100 characters. .venv: 100 + 1 + 148 = 249 fits in Windows' 259; .venv-lab
    # (JupyterLab): 100 + 1 + 165 = 266 does not, unless long paths are enabled; 93 characters would do.
    onedrive = r"C:\Users\zhang.wei\OneDrive - Peking Union Medical College Hospital\Documents\GitHub\pss-baricitinib"
    assert len(onedrive) == 100 and check.MAX_PATH == 259
    assert check.problem(onedrive, ".venv", long_paths=False) is None
    message = check.problem(onedrive, ".venv-lab", long_paths=False)
    assert f"{onedrive}, is 100 characters long: with .venv-lab below it, a path would be 266 characters long" in message
    assert "at most 93 characters" in message and check.LONG_PATHS_HELP in message
    assert check.problem(onedrive, ".venv-lab", long_paths=True) is None
    assert check.problem("C:\\" + "p" * 90, ".venv-lab", long_paths=False) is None  # 93 + 1 + 165 = 259
    assert check.problem("C:\\" + "p" * 91, ".venv-lab", long_paths=False) is not None
    assert check.below_checkout(".build/lock") == 148 - len(".venv") + len(".build/lock")  # holds what .venv holds
    if os.name != "nt":
        assert check.long_paths_enabled()  # a Python without winreg (not Windows' own): nothing to check
    monkeypatch.setattr(check, "long_paths_enabled", lambda: False)
    monkeypatch.setattr(check.os, "getcwd", lambda: onedrive)
    assert check.main(["check_path_length.py", ".venv-lab"]) == 1 and "error: this checkout's path" in capsys.readouterr().err
    assert check.main(["check_path_length.py", ".venv"]) == 0


@pytest.mark.skipif(Path(sys.prefix).name != ".venv", reason="measures the project's .venv")
def test_the_venvs_deepest_file_is_no_deeper_than_the_path_check_assumes():
    """Re-measured in Windows' layout (``Lib\\site-packages``): a new package version with deeper files fails here."""
    prefix = Path(sys.prefix)
    deepest = max(len(".venv/" + re.sub(r"^lib/python3\.\d+/site-packages", "Lib/site-packages", os.path.relpath(
        os.path.join(folder, name), prefix).replace(os.sep, "/"))) for folder, dirs, files in os.walk(prefix)
        for name in dirs + files)
    assert deepest <= _path_check().DEEPEST[".venv"]


def _windows_text_mode(patch: pytest.MonkeyPatch) -> None:
    """Text files opened without ``newline=`` get ``"\\r\\n"`` line ends, as on Windows."""
    patch.setattr(os, "linesep", "\r\n")
    patch.setattr(io, "open", _pyio.open)  # what pathlib opens files with
    patch.setattr(builtins, "open", _pyio.open)


def test_the_simulation_gives_windows_line_ends(tmp_path, monkeypatch):
    _windows_text_mode(monkeypatch)
    (tmp_path / "a.txt").write_text("a\nb\n", encoding="utf-8")
    assert (tmp_path / "a.txt").read_bytes() == b"a\r\nb\r\n"


def _figure():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 12, 24], [10, 6, 3], marker="o", label="ESSDAI")
    ax.set(title="Mean ESSDAI", xlabel="Week")
    return fig


def test_figures_have_the_same_bytes_on_windows(tmp_path, monkeypatch):
    here = report.save_figure(_figure(), "essdai", figures_dir=tmp_path / "here")
    with monkeypatch.context() as patch:
        _windows_text_mode(patch)
        there = report.save_figure(_figure(), "essdai", figures_dir=tmp_path / "windows")
    assert [p.read_bytes() for p in there] == [p.read_bytes() for p in here]
    assert b"\n" in here[1].read_bytes()


def test_executed_notebooks_and_the_report_have_the_same_bytes_on_windows(tmp_path, monkeypatch):
    import nbformat

    def build(folder):
        executed = folder / "executed"
        executed.mkdir(parents=True)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Efficacy\n\nESSDAI fell.", id="text"),
                                             nbformat.v4.new_code_cell("print(1)\nprint(2)", id="code")])
        nb.metadata["report"] = {"section": "efficacy"}
        runner._write_notebook(nb, executed / "01_a.ipynb")
        report.save_table(pd.DataFrame({"Statistic": ["n"], "Value": ["11"]}), "t14_1_essdai", reports_dir=folder)
        appendix.write_report(stage_reports=folder, ard=None, data_dir=paths.DATA_RAW, data_cutoff="2022-01-31",
                              git={"commit": "0" * 40, "dirty": "no"}, notebooks=["01_a.ipynb"])
        files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
        with zipfile.ZipFile(folder / "tables.xlsx") as book:  # its zip headers name the system that wrote it
            files["tables.xlsx"] = {part.filename: (part.date_time, book.read(part)) for part in book.infolist()}
        return files

    here = build(tmp_path / "here")
    with monkeypatch.context() as patch:
        _windows_text_mode(patch)
        there = build(tmp_path / "windows")
    assert {"executed/01_a.ipynb", "report.html", "tables.xlsx", "tables/t14_1_essdai.csv"} <= set(here)
    assert there == here
    assert b"\r\n" not in here["report.html"] and b"\r\n" not in here["executed/01_a.ipynb"]
