"""Stop `make` on Windows before it makes a venv whose files Windows could not hold: where long paths are not enabled
(the registry's ``LongPathsEnabled``, which python.org's installer offers to set), a path longer than ``MAX_PATH``
fails, and each venv's deepest file lies ``DEEPEST`` characters below the checkout. The installers' own errors come
halfway through and name a file deep in a package; this one names the checkout and what to do.

Usage (the Makefile, on Windows only, with any Python 3): ``python scripts/check_path_length.py .venv``
"""

import os
import sys

#: Windows' MAX_PATH, 260 characters, less the terminating null.
MAX_PATH = 259
#: Characters from the checkout to the deepest file of a venv, in Windows' layout (``Lib\\site-packages``), measured
#: with the pinned packages: ``.venv`` (runtime and test tools), a bytecode file of debugpy's vendored pydevd
#: (``tests/test_windows.py`` measures it again); ``.venv-lab`` (JupyterLab 4.6.6), a script of its galata
#: extension. Another venv (``.build/lock``, a benchmark's) holds what ``.venv`` holds.
DEEPEST = {".venv": 148, ".venv-lab": 165}
LONG_PATHS_HELP = "https://pip.pypa.io/warnings/enable-long-paths"


def long_paths_enabled():
    """Whether this Windows accepts paths over ``MAX_PATH`` (registry ``LongPathsEnabled`` = 1); with a Python that
    has no ``winreg`` (MSYS2's or Cygwin's, first on the PATH), no check."""
    try:
        import winreg
    except ImportError:
        return True
    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"SYSTEM\CurrentControlSet\Control\FileSystem") as key:
            return winreg.QueryValueEx(key, "LongPathsEnabled")[0] == 1
    except OSError:
        return False


def below_checkout(venv):
    """Characters from the checkout to the deepest file of ``venv`` (a path relative to the checkout)."""
    return DEEPEST.get(venv, DEEPEST[".venv"] - len(".venv") + len(venv))


def problem(checkout, venv, long_paths):
    """The error for venv ``venv`` of a checkout at path ``checkout``, or None where its deepest file fits."""
    deepest = len(checkout) + 1 + below_checkout(venv)
    if long_paths or deepest <= MAX_PATH:
        return None
    return (f"error: this checkout's path, {checkout}, is {len(checkout)} characters long: with {venv} below it, a path "
            f"would be {deepest} characters long, and this Windows stops at {MAX_PATH} (long paths are not enabled). "
            f"Clone the project to a path of at most {MAX_PATH - 1 - below_checkout(venv)} characters (C:\\pss, say), or "
            f"enable long paths: {LONG_PATHS_HELP}")


def main(argv):
    message = problem(os.getcwd(), argv[1], long_paths_enabled())
    if message:
        print(message, file=sys.stderr)
    return 1 if message else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
