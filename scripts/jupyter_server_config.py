"""JupyterLab's server settings for `make lab`: a notebook is saved without its outputs.

Run on a real export, a notebook's outputs hold patients' data (listings, adverse-event text, dates). The
notebooks are tracked by git, so outputs saved into them would leave ``data/raw`` with the next commit. Lab keeps
the outputs on screen; the file gets the code and text only, as the shipped notebooks are. An executed copy with
its outputs is what ``make report`` (``reports/executed/``) and papermill run alone (``scratch/``) write.

`make lab` copies it into JupyterLab's venv (``.venv-lab/etc/jupyter``), beside any settings of the user's own;
Jupyter's configuration loader runs it and defines ``get_config``.
"""
import warnings


#: The notebook metadata of the shipped notebooks, which a save keeps: JupyterLab writes the kernel's display name
#: ("Python 3 (analysis_utils)") and the language's version and editor modes, a change in git at every save.
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}


def strip_outputs(model, **kwargs):
    """Empty every code cell's outputs and execution count, drop Lab's run timings (cell metadata ``execution``), and
    keep the notebook's kernel and language as the shipped notebooks give them (``KERNELSPEC``, ``LANGUAGE_INFO``)."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    metadata = model["content"].get("metadata", {})
    if metadata.get("kernelspec", {}).get("name") == KERNELSPEC["name"]:
        metadata["kernelspec"] = dict(KERNELSPEC)
    if metadata.get("language_info", {}).get("name") == LANGUAGE_INFO["name"]:
        metadata["language_info"] = dict(LANGUAGE_INFO)
    for cell in model["content"].get("cells", []):
        cell.get("metadata", {}).pop("execution", None)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None


warnings.filterwarnings("ignore", "Overriding existing pre_save_hook \\(strip_outputs\\)")  # loaded twice
c = get_config()  # noqa: F821 (Jupyter's configuration loader defines get_config)
c.ContentsManager.pre_save_hook = strip_outputs
