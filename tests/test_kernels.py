import os
import subprocess
import sys

from analysis_utils import kernels


def _modules_after(imports: list[str]) -> set[str]:
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in imports) + \
           "print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, **kernels.KERNEL_ENV}).stdout
    return set(out.split())


def test_base_stage_leaves_out_the_slow_libraries_and_full_stage_not_the_inline_backend():
    """The base stage is ready early only while it imports no scipy, matplotlib or statsmodels; and
    the inline backend must be imported inside a kernel (it hooks into the kernel's shell then), never by
    the template, or figures left open would not be displayed."""
    base = _modules_after(list(kernels.stage_imports("base")))
    assert {"pandas", "numpy", "pyarrow", "ipykernel"} <= base
    assert not {"scipy", "matplotlib", "statsmodels"} & base
    full = _modules_after(list(kernels.stage_imports("full")))
    assert {"scipy", "matplotlib", "statsmodels"} <= full
    assert "matplotlib_inline.backend_inline" not in full


def test_kernel_environment_fixes_hashing_dates_and_threads():
    assert kernels.KERNEL_ENV["PYTHONHASHSEED"] == "0" and kernels.KERNEL_ENV["SOURCE_DATE_EPOCH"] == "0"
    assert {kernels.KERNEL_ENV[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")} == {"1"}
