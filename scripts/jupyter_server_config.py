"""JupyterLab's server settings for `make lab`: a notebook is saved without its outputs.

Run on a real export, a notebook's outputs hold patients' data (listings, adverse-event text, dates). The
notebooks are tracked by git, so outputs saved into them would leave ``data/raw`` with the next commit. Lab keeps
the outputs on screen; the file gets the code and text only, as the shipped notebooks are. An executed copy with
its outputs is what ``make report`` (``reports/executed/``) and papermill run alone (``scratch/``) write.

`make lab` copies it into JupyterLab's venv (``.venv-lab/etc/jupyter``), beside any settings of the user's own; Jupyter's
configuration loader runs it and defines ``get_config``.
"""
import warnings


def strip_outputs(model, **kwargs):
    """Empty every code cell's outputs and execution count, and drop Lab's run timings (cell metadata ``execution``)."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    for cell in model["content"].get("cells", []):
        cell.get("metadata", {}).pop("execution", None)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None


warnings.filterwarnings("ignore", "Overriding existing pre_save_hook \\(strip_outputs\\)")  # loaded twice
c = get_config()  # noqa: F821 (Jupyter's configuration loader defines get_config)
c.ContentsManager.pre_save_hook = strip_outputs
