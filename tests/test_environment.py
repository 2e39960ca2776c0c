"""The three pin lists agree: pyproject.toml (top level), requirements.txt (lock), environment.yml (conda mirror);
the Makefile's `lab`, `report` and `lock` behave as the README says."""

import json
import os
import re
import shlex
import shutil
import subprocess
import time
import tomllib

import pytest

from analysis_utils import paths

ROOT = paths.PROJECT_ROOT


def _pins(lines):
    pins = {}
    for line in lines:
        m = re.match(r"^\s*-?\s*([A-Za-z0-9_.\-]+)==([^\s#]+)", line)
        if m:
            pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


def _pyproject_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    return _pins(deps)


def test_every_pyproject_dependency_is_pinned_exactly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    assert all("==" in d for d in deps), [d for d in deps if "==" not in d]


def test_lock_files_have_the_pyproject_versions():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _pins((ROOT / "requirements.txt").read_text().splitlines())
    dev = _pins((ROOT / "requirements-dev.txt").read_text().splitlines())
    assert {k: runtime.get(k) for k, v in _pins(project["dependencies"]).items()} == _pins(project["dependencies"])
    dev_pins = _pins(project["optional-dependencies"]["dev"])
    assert {k: dev.get(k) for k in dev_pins} == dev_pins
    assert not set(runtime) & set(dev), "a package is locked twice"
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text()
    lab = _pins((ROOT / "requirements-lab.txt").read_text().splitlines())
    lab_pins = _pins(project["optional-dependencies"]["lab"])
    assert {k: lab.get(k) for k in lab_pins} == lab_pins
    assert not set(lab_pins) & set(runtime), "JupyterLab is installed in its own environment only"
    assert {k: v for k, v in lab.items() if k in runtime} == {k: runtime[k] for k in lab if k in runtime}, \
        "JupyterLab's environment has the runtime's version of each package both need"


def test_every_locked_package_installs_on_every_python_3_11():
    """``make env`` takes any Python 3.11 (Debian 12's is 3.11.2): no locked package may require a later 3.11
    (soupsieve 3.x requires 3.11.5, hence the pin on 2.10)."""
    from importlib import metadata

    from packaging.specifiers import SpecifierSet

    locked = _pins((ROOT / "requirements.txt").read_text().splitlines()
                   + (ROOT / "requirements-dev.txt").read_text().splitlines())
    installed = {d.metadata["Name"].lower().replace("_", "-"): d for d in metadata.distributions()}
    needs = {name: installed[name].metadata.get("Requires-Python") or "" for name, version in locked.items()
             if name in installed and installed[name].version == version}  # as locked (a conda env may differ)
    assert len(needs) > 50 and {name: spec for name, spec in needs.items() if "3.11.0" not in SpecifierSet(spec)} == {}


def test_environment_yml_mirrors_pyproject():
    conda = _pins((ROOT / "environment.yml").read_text().splitlines())
    assert conda == _pyproject_pins()
    assert "python=3.11" in (ROOT / "environment.yml").read_text()


def _make_lab_command(tmp_path, uid: str) -> str:
    """The jupyter command `make -n lab` would run, with `id -u` answering ``uid``."""
    import os
    import subprocess

    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (fake / "id").chmod(0o755)
    out = subprocess.run(["make", "-n", "-s", "lab", "LAB_ARGS=--no-browser --ip=0.0.0.0 --port=8890"], cwd=ROOT,
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}).stdout
    return next(line for line in out.splitlines() if "jupyter lab" in line)


def test_make_lab_allows_root_only_as_root_and_passes_lab_args(tmp_path):
    as_root, as_user = _make_lab_command(tmp_path, "0"), _make_lab_command(tmp_path, "1000")
    assert as_root.endswith("jupyter lab notebooks --allow-root --no-browser --ip=0.0.0.0 --port=8890")
    assert as_user.endswith("jupyter lab notebooks  --no-browser --ip=0.0.0.0 --port=8890")


def test_make_lab_gives_jupyterlab_the_server_settings_of_the_project():
    out = subprocess.run(["make", "-n", "-s", "lab"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "cp scripts/jupyter_server_config.py .venv-lab/etc/jupyter/" in out  # beside the user's own settings
    assert "-r requirements-lab.txt" in out  # JupyterLab and every package it needs, locked


def test_make_validate_writes_its_queries_outside_the_published_outputs():
    """reports/data_queries.csv is the last build's, as its report shows them: make validate, on another export
    perhaps, replaced its validation part and combined it with the build's other parts."""
    out = subprocess.run(["make", "-n", "-s", "validate", "DATA_DIR=data/exports/cut 2"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert shlex.split(out.splitlines()[-1])[-4:] == ["analysis_utils.validation", "data/exports/cut 2", "--reports",
                                                      "scratch/validation"]


def _lab_save(model: dict) -> dict:
    """``model`` as JupyterLab's server under `make lab` writes it: the project's settings loaded as Jupyter loads
    them, then the contents manager's pre-save hook."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("jupyter_server_config.py", path=str(ROOT / "scripts")).load_config()
    config.ContentsManager.pre_save_hook(model=model, path=model["path"], contents_manager=None)
    return model


def test_jupyterlab_saves_a_notebook_without_outputs_or_run_timings():
    """A notebook run on a real export shows patients' data; saved as Lab saves it, the file holds none of it."""
    run = {"cell_type": "code", "execution_count": 3, "source": "adae", "id": "b",
           "metadata": {"tags": ["parameters"], "execution": {"iopub.execute_input": "2026-12-06T03:00:00Z"}},
           "outputs": [{"output_type": "execute_result", "data": {"text/plain": "001 fever"}, "execution_count": 3}]}
    text = {"cell_type": "markdown", "source": "Adverse events.", "id": "a", "metadata": {}}
    metadata = {"kernelspec": {"display_name": "Python 3 (analysis_utils)", "language": "python", "name": "python3"},
                "language_info": {"name": "python", "version": "3.11.7", "codemirror_mode": {"name": "ipython"}},
                "report": {"section": "safety"}}
    saved = _lab_save({"type": "notebook", "path": "06_safety.ipynb",
                       "content": {"cells": [text, run], "metadata": metadata}})
    shipped = json.loads((paths.NOTEBOOKS / "06_safety.ipynb").read_text(encoding="utf-8"))["metadata"]
    assert saved["content"]["metadata"] == {**shipped, "report": {"section": "safety"}}  # no change in git
    assert saved["content"]["cells"] == [
        text, {"cell_type": "code", "execution_count": None, "source": "adae", "id": "b",
               "metadata": {"tags": ["parameters"]}, "outputs": []}]
    other = {"type": "file", "path": "notes.txt", "content": "001 fever"}
    assert _lab_save(dict(other)) == other  # only notebooks are changed


def test_shipped_notebooks_hold_no_outputs():
    """What the notebooks show of an export never goes into git: the tracked notebooks hold code and text only."""
    held = [f"{path.name}, cell {i}" for path in sorted(paths.NOTEBOOKS.glob("*.ipynb"))
            for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"], 1)
            if cell.get("outputs") or cell.get("execution_count") is not None]
    assert held == [], ("outputs saved in a notebook (JupyterLab: Edit > Clear Outputs of All Cells, then save; "
                        "`make lab` saves without them)")


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-lab.txt"])
def test_requirements_are_sorted_with_what_only_other_systems_install_last(name):
    """Sorted by name: what this system installs, then what only others do (with their markers)."""
    here, elsewhere = (ROOT / name).read_text().split("# Only on other systems")
    names = [line.split("==")[0] for line in here.splitlines() if line and not line.startswith("#")]
    assert names == sorted(names, key=str.lower)
    others = [line for line in elsewhere.splitlines()[1:] if line]
    assert others == sorted(others) and all(re.search(" ; (sys_platform|os_name) == ", line) for line in others)
    assert {line.split("==")[0] for line in others} >= {"colorama", "appnope"}  # Windows' and macOS' only


def test_xlsxwriter_is_locked():
    assert _pins((ROOT / "requirements.txt").read_text().splitlines())["xlsxwriter"] == _pyproject_pins()["xlsxwriter"]


def _make_project(folder):
    """A checkout with the Makefile and pin files, an environment taken as installed and a report folder."""
    for name in ("Makefile", "requirements.txt", "requirements-dev.txt", "pyproject.toml"):
        shutil.copy(paths.PROJECT_ROOT / name, folder)
    (folder / ".venv").mkdir()
    (folder / ".venv" / "pyvenv.cfg").touch()
    (folder / "reports").mkdir()


def _settle(folder, make: list[str]) -> None:
    """As after a build: the environment, what it recorded (.build/params), then the report, all past."""
    subprocess.run(make, cwd=folder, capture_output=True)
    (folder / ".venv" / ".installed").touch()
    (folder / "reports" / "report.html").touch()
    for path in folder.rglob("*"):
        age = {".installed": 20, "params": 30, "report.html": 10}.get(path.name, 100)
        os.utime(path, (time.time() - age, time.time() - age))


def _needs_build(folder, make: list[str]) -> bool:
    done = subprocess.run(make, cwd=folder, capture_output=True, text=True)
    assert "No rule" not in done.stderr, done.stderr
    return done.returncode != 0


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_report_reruns_when_a_file_of_the_export_changes_even_with_a_space_in_its_name_or_an_old_date(tmp_path):
    """Also where the export's folder and a file in it have an apostrophe in their names (O'Brien's export): a file
    name the shell misread made every ``make report`` build again, a folder name the build not find the export. Hidden
    files and Office's owner files are not part of the export (``export.NOT_INPUT_PREFIXES``)."""
    _make_project(tmp_path)
    export = tmp_path / "exports" / "O'Brien's cut 2"
    export.mkdir(parents=True)
    (export / "demographics.csv").write_text("SUBJID,SEX\n001,F\n", encoding="utf-8")
    (export / "patient's notes.txt").write_text("not a form\n", encoding="utf-8")
    make = ["make", "-q", "report", "DATA_DIR=exports/O'Brien's cut 2"]

    def runner_args(*variables: str) -> list[str]:
        """The runner's arguments in the command ``make -n report`` prints, as the shell splits them."""
        out = subprocess.run(["make", "-n", *make[2:], *variables], cwd=tmp_path, capture_output=True, text=True).stdout
        return shlex.split(next(line for line in out.splitlines() if "analysis_utils.runner" in line))[3:]

    assert runner_args("DATA_CUTOFF=2021-12-20", "KERNELS=warm") == [
        "--data-dir", "exports/O'Brien's cut 2", "--data-cutoff", "2021-12-20", "--kernels", "warm"]
    assert runner_args() == ["--data-dir", "exports/O'Brien's cut 2"]  # the cut: the export's date

    def settle():
        _settle(tmp_path, make)

    def needs_build() -> bool:
        return _needs_build(tmp_path, make)

    settle()
    assert not needs_build()
    (export / "~$demographics.csv").write_bytes(b"\x08Jane Doe")  # Excel's owner file while it has the file open
    (export / ".DS_Store").write_bytes(b"\x00")  # macOS's Finder showed the folder
    assert not needs_build()
    shutil.copy(export / "demographics.csv", export / "demographics copy.csv")  # as a file manager names a copy
    assert needs_build()
    settle()
    os.remove(export / "demographics copy.csv")
    assert needs_build()
    settle()
    (export / "demographics.csv").write_text("SUBJID,SEX\n001,M\n", encoding="utf-8")
    os.utime(export / "demographics.csv", (0, 0))  # changed, but dated 1970 (a copy that keeps its old date)
    assert needs_build()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_only_a_call_that_builds_the_report_records_its_inputs(tmp_path):
    """``make validate DATA_DIR=other`` (or any target but the report) leaves .build/params alone: it rewrote it, and
    the next ``make report`` of the same export built the whole report again."""
    _make_project(tmp_path)
    make = ["make", "-q", "report"]
    _settle(tmp_path, make)
    assert not _needs_build(tmp_path, make)
    recorded = (tmp_path / ".build" / "params").read_text()
    subprocess.run(["make", "-n", "validate", "DATA_DIR=elsewhere"], cwd=tmp_path, capture_output=True)
    subprocess.run(["make", "-n", "help", "DATA_CUTOFF=2021-12-20"], cwd=tmp_path, capture_output=True)
    assert (tmp_path / ".build" / "params").read_text() == recorded
    assert not _needs_build(tmp_path, make)
    assert _needs_build(tmp_path, [*make, "DATA_CUTOFF=2021-12-20"])
    # another kernel path asked for runs (its outputs are the same bytes, but the path asked for is the one to try)
    assert _needs_build(tmp_path, [*make, "KERNELS=warm"])
    _settle(tmp_path, [*make, "KERNELS=warm"])
    assert not _needs_build(tmp_path, [*make, "KERNELS=warm"])


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_report_reruns_when_a_notebook_or_module_is_removed_or_renamed(tmp_path):
    """A removed notebook's section would stay in the report, and a renamed one (a rename keeps the file's date) keep
    its old name, while ``make report`` said there was nothing to do."""
    _make_project(tmp_path)
    for name in ("notebooks/01_a.ipynb", "notebooks/09_sensitivity.ipynb", "src/analysis_utils/extra.py",
                 "data/raw/demographics.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}\n")
    make = ["make", "-q", "report"]
    _settle(tmp_path, make)
    assert not _needs_build(tmp_path, make)
    os.remove(tmp_path / "notebooks" / "09_sensitivity.ipynb")
    assert _needs_build(tmp_path, make)
    _settle(tmp_path, make)
    os.rename(tmp_path / "notebooks" / "01_a.ipynb", tmp_path / "notebooks" / "01_cleaning.ipynb")
    assert _needs_build(tmp_path, make)
    _settle(tmp_path, make)
    os.remove(tmp_path / "src" / "analysis_utils" / "extra.py")
    assert _needs_build(tmp_path, make)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_clean_removes_what_builds_and_notebooks_run_alone_wrote_and_keeps_the_folders_and_the_export(tmp_path):
    """The folders stay, with the ``.gitkeep`` git tracks them by: a notebook run alone writes its copy to ``scratch/``
    (papermill does not make the folder), and a clean checkout shows no change in ``git status``."""
    shutil.copy(paths.PROJECT_ROOT / "Makefile", tmp_path)
    kept = ["data/raw/demographics.csv", *(f"{d}/.gitkeep" for d in ("data/processed", "figures", "reports", "scratch"))]
    generated = ["data/processed/adsl.parquet", "figures/a.png", "reports/report.html", "reports/tables/t.csv",
                 "scratch/07.ipynb", "scratch/reports/ard/planning.csv", ".build/params", ".build/stage-1/x"]
    for name in kept + generated:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    subprocess.run(["make", "-s", "clean"], cwd=tmp_path, check=True, capture_output=True)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        ["Makefile", *kept])


needs_make_and_sh = pytest.mark.skipif(shutil.which("make") is None or os.name == "nt",
                                       reason="needs make and a POSIX shell")


LOCK_FILES = ("requirements.txt", "requirements-dev.txt", "requirements-lab.txt")


def _make_lock(tmp_path, shellflags: str, dev_freeze_fails: bool) -> subprocess.CompletedProcess:
    """``make lock`` in a copy of the Makefile, with a ``python`` (3.11) whose ``-m venv DIR`` makes a fake
    ``DIR/bin/pip``: its ``freeze`` prints ``pkg==1.0``, and ``dev==2.0`` once ``.[dev]`` is installed (then fails, if
    asked); and a fake ``DIR/bin/uv``, whose lock for every system adds a Windows-only and a macOS-only package."""
    for name in ("Makefile", *LOCK_FILES):
        shutil.copy(ROOT / name, tmp_path)
    python = tmp_path / "python"
    python.write_text('#!/bin/sh\ncase "$1 $2" in "-m venv") ;; -c*) exit 0;; *) exit 1;; esac\n'  # 3.11: -c exits 0
                      'mkdir -p "$3/bin"\ncat > "$3/bin/pip" <<"PIP"\n#!/bin/sh\n'
                      'log="$(dirname "$0")/installed"\ncase "$1" in install) echo "$*" >> "$log";;\n'
                      'freeze) echo "pkg==1.0"; grep -q dev "$log" && '
                      f'{{ echo "dev==2.0"; exit {int(dev_freeze_fails)}; }};; esac\nexit 0\nPIP\n'
                      # uv's lock for every system (into the file after -o, its last argument): what pip froze, and
                      # a package of Windows only (runtime) and one of macOS only (test tools)
                      'cat > "$3/bin/uv" <<"UV"\n#!/bin/sh\nfor last; do :; done\n'
                      '{ echo "pkg==1.0"; echo "plat==3.0 ; sys_platform == \'win32\'"; case "$*" in *"--extra dev"*) '
                      'echo "dev==2.0"; echo "mac==4.0 ; sys_platform == \'darwin\'";; *lab.in*) '
                      'echo "winpty==5.0 ; os_name == \'nt\'";; esac; } > "$last"\nUV\n'
                      # its Python reads the pins of JupyterLab (extra lab) from pyproject.toml
                      'printf \'#!/bin/sh\\necho "lab==5.0"\\n\' > "$3/bin/python"\n'
                      'chmod +x "$3/bin/pip" "$3/bin/uv" "$3/bin/python"\n')
    python.chmod(0o755)
    return subprocess.run(["make", "-s", "lock", f"PYTHON={python}", f".SHELLFLAGS={shellflags}"], cwd=tmp_path,
                          capture_output=True, text=True)


@needs_make_and_sh
@pytest.mark.parametrize("shellflags", ["-eo pipefail -c", "-c"])  # "-c": as macOS's make 3.81, which ignores them
def test_make_lock_writes_the_runtime_pins_and_the_test_tools_on_top(tmp_path, shellflags):
    done = _make_lock(tmp_path, shellflags, dev_freeze_fails=False)
    assert done.returncode == 0, done.stdout + done.stderr
    runtime, dev, lab = ((tmp_path / name).read_text().splitlines() for name in LOCK_FILES)
    assert [line for line in runtime if not line.startswith("#")] == ["pkg==1.0", "plat==3.0 ; sys_platform == 'win32'"]
    assert [line for line in dev if not line.startswith("#")] == [
        "-r requirements.txt", "dev==2.0", "mac==4.0 ; sys_platform == 'darwin'"]
    assert [line for line in lab if not line.startswith("#")] == [
        "pkg==1.0", "plat==3.0 ; sys_platform == 'win32'", "winpty==5.0 ; os_name == 'nt'"]
    installs = (tmp_path / ".build" / "lock-lab" / "bin" / "installed").read_text()
    assert installs == "install --quiet --disable-pip-version-check -r .build/lock/lab.in -c .build/lock/runtime.txt\n"
    assert (tmp_path / ".build" / "lock" / "lab.in").read_text() == "lab==5.0\n"


@needs_make_and_sh
@pytest.mark.parametrize("shellflags", ["-eo pipefail -c", "-c"])
def test_make_lock_rewrites_no_requirements_file_when_a_freeze_fails(tmp_path, shellflags):
    """The second ``pip freeze`` prints a line, then fails: ``make lock`` fails and both lock files keep their content,
    with or without pipefail."""
    before = {name: (ROOT / name).read_bytes() for name in LOCK_FILES}
    done = _make_lock(tmp_path, shellflags, dev_freeze_fails=True)
    assert done.returncode != 0, done.stdout + done.stderr
    assert {name: (tmp_path / name).read_bytes() for name in before} == before


def _make_venv(tmp_path, python: str, bootstrap: str, shellflags: str) -> subprocess.CompletedProcess:
    """``make .venv/pyvenv.cfg`` in a copy of the Makefile, with fake Pythons in ``tmp_path/bin`` that log each call to
    ``tmp_path/log``: ``py311`` is Python 3.11, ``py313`` is not, ``python3`` makes a venv whose pip installs a fake
    uv, whose ``venv ... DIR`` makes ``DIR``."""
    shutil.copy(ROOT / "Makefile", tmp_path)
    fake, log = tmp_path / "bin", tmp_path / "log"
    fake.mkdir(exist_ok=True)
    scripts = {
        "py311": 'case "$1 $2" in "-m venv") ;; -c*) exit 0;; *) exit 1;; esac\nmkdir -p "$3" && touch "$3/pyvenv.cfg"',
        "py313": 'exit 1',
        "python3": ('case "$1 $2" in "-m venv") ;; *) exit 1;; esac\n'
                    'mkdir -p "$3/bin"\ncat > "$3/bin/python" <<"PY"\n#!/bin/sh\n'
                    f'echo "pip $*" >> {log}\n'
                    f'printf \'#!/bin/sh\\necho "uv $*" >> {log}\\nfor last; do :; done\\nmkdir -p "$last" && '
                    'touch "$last/pyvenv.cfg"\\n\' > "$(dirname "$0")/uv"\nchmod +x "$(dirname "$0")/uv"\nPY\n'
                    'chmod +x "$3/bin/python"'),
    }
    for name, body in scripts.items():
        (fake / name).write_text(f'#!/bin/sh\necho "{name} $*" >> {log}\n{body}\n')
        (fake / name).chmod(0o755)
    return subprocess.run(["make", "-s", ".venv/pyvenv.cfg", f"PYTHON={python}", f"BOOTSTRAP_PYTHON={bootstrap}",
                           f".SHELLFLAGS={shellflags}"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"})


@needs_make_and_sh
@pytest.mark.parametrize("shellflags", ["-eo pipefail -c", "-c"])
def test_the_venv_comes_from_python_3_11_or_else_from_uv_with_a_python_3_11_of_its_own(tmp_path, shellflags):
    uv_version = re.search(r"^UV_VERSION := (\S+)", (ROOT / "Makefile").read_text(), re.M)[1]
    log = tmp_path / "log"
    done = _make_venv(tmp_path, "py311", "python3", shellflags)
    assert done.returncode == 0 and log.read_text().splitlines() == ["py311 -c import sys; sys.exit(sys.version_info[:2] "
                                                                     "!= (3, 11))", "py311 -m venv .venv"]
    shutil.rmtree(tmp_path / ".venv")
    log.unlink()
    for _ in range(2):  # another Python only (3.13, say): uv, installed once, makes the venv with a Python 3.11
        done = _make_venv(tmp_path, "py313", "python3", shellflags)
        assert done.returncode == 0 and "py313: not found, or not Python 3.11" in done.stdout, done.stdout + done.stderr
        assert (tmp_path / ".venv" / "pyvenv.cfg").exists()
        shutil.rmtree(tmp_path / ".venv")
    calls = [line for line in log.read_text().splitlines() if not line.startswith("py313")]
    assert calls == ["python3 -m venv .build/uv",
                     f"pip -m pip install --quiet --disable-pip-version-check uv=={uv_version}",
                     "uv venv --quiet --seed --allow-existing --python 3.11 .venv",
                     "uv venv --quiet --seed --allow-existing --python 3.11 .venv"]
    (bare := tmp_path / "bare").mkdir()
    done = _make_venv(bare, "no-python3.11", "no-python3", shellflags)  # no Python at all: what to install
    assert done.returncode != 0 and "error: no Python 3.11 (no-python3.11) and no Python 3 (no-python3)" in done.stdout
