import nbformat
import pytest

from analysis_utils import runner


def _notebook(*sources, params="DATA_DIR = 'data/raw'\nSEED = 1\n"):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell] + [nbformat.v4.new_code_cell(s) for s in sources]
    for i, c in enumerate(nb.cells):
        c.id = f"cell-{i:02d}"
    return nb


def test_inject_parameters_adds_only_declared_names_after_the_parameters_cell():
    nb = runner.inject_parameters(_notebook("x = 1"), {"DATA_DIR": "/x", "FIGURES_DIR": "figs"})
    injected = nb.cells[1]
    assert injected.id == "injected-parameters"
    assert injected.metadata["tags"] == ["injected-parameters"]
    assert 'DATA_DIR = "/x"' in injected.source and "FIGURES_DIR" not in injected.source


def test_inject_parameters_needs_a_parameters_cell():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    with pytest.raises(ValueError, match="parameters"):
        runner.inject_parameters(nb, {"DATA_DIR": "x"})


def test_normalise_executed_strips_timing_and_renumbers():
    nb = _notebook("x = 1", "y = 2")
    nb.metadata["papermill"] = {"start_time": "now"}
    for i, cell in enumerate(nb.cells):
        cell.execution_count = 40 + i
        cell.metadata["execution"] = {"iopub.status.busy": "now"}
        cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=40 + i)]
    out = runner.normalise_executed(nb)
    assert "papermill" not in out.metadata
    assert [c.execution_count for c in out.cells] == [1, 2, 3]
    assert [c.outputs[0]["execution_count"] for c in out.cells] == [1, 2, 3]
    assert all("execution" not in c.metadata for c in out.cells)


@pytest.mark.slow
def test_shared_kernel_is_reset_between_notebooks(tmp_path):
    first = _notebook("import matplotlib as mpl; mpl.rcParams['lines.linewidth'] = 9; leaked = 1",
                      "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nplt.show()")
    second = _notebook("import matplotlib as mpl\nprint(mpl.rcParams['lines.linewidth'], 'leaked' in dir())",
                       "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2]);")
    paths = []
    for name, nb in (("01_a.ipynb", first), ("02_b.ipynb", second)):
        nbformat.write(nb, tmp_path / name)
        paths.append(tmp_path / name)
    executed = runner.execute_notebooks(paths, {"DATA_DIR": "d"}, tmp_path / "stage")
    assert executed[1].cells[-2].outputs[0]["text"] == "1.5 False\n"
    # figures still display by themselves (the inline backend survives the reset)
    assert any("image/png" in o.get("data", {}) for o in executed[1].cells[-1].outputs)
    assert (tmp_path / "stage" / "reports" / "executed" / "02_b.ipynb").exists()


@pytest.mark.slow
def test_failing_notebook_names_the_notebook_and_cell_and_keeps_the_partial_notebook(tmp_path):
    nb = _notebook("ok = 1", "raise ValueError('bad ESSDAI level')", "never = 1")
    nbformat.write(nb, tmp_path / "03_broken.ipynb")
    with pytest.raises(runner.NotebookFailed, match=r"03_broken.ipynb: cell 3 \(id cell-02\) failed: ValueError: bad ESSDAI level"):
        runner.execute_notebooks([tmp_path / "03_broken.ipynb"], {"DATA_DIR": "d"}, tmp_path / "stage")
    partial = nbformat.read(tmp_path / "stage" / "failed" / "03_broken.ipynb", as_version=4)
    assert partial.cells[3].outputs[0]["output_type"] == "error"
