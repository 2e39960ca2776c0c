"""Shared fixtures: the shipped 11-patient synthetic trial, as raw tables and as a breakable copy on disk (and that copy
edited and validated); a file held open as on Windows."""

import os
from pathlib import Path

import pytest

from analysis_utils import export, synthetic, validation


@pytest.fixture(scope="session")
def _synthetic_trial():
    return synthetic.generate_trial()


@pytest.fixture
def synthetic_export(_synthetic_trial):
    """The raw forms of the 11-patient synthetic trial (typed frames; a fresh copy per test)."""
    return {name: frame.copy() for name, frame in _synthetic_trial.items()}


@pytest.fixture
def tmp_export(tmp_path, _synthetic_trial):
    """A copy of the synthetic export written to a temporary folder (CSV files), safe to break."""
    folder = tmp_path / "export"
    export.write_export(_synthetic_trial, folder)
    export.write_text(synthetic.README, folder / "README.md")
    return folder


@pytest.fixture
def edit_export(tmp_export):
    """``edit_export(form, (old, new), ...)``: ``tmp_export`` with each text ``old`` of ``<form>.csv`` (it must be
    there) replaced by ``new``, validated (``validation.ValidationResult``)."""
    def edit(form: str, *replacements) -> validation.ValidationResult:
        path = tmp_export / f"{form}.csv"
        text = path.read_text()
        for old, new in replacements:
            assert old in text, (form, old)
            text = text.replace(old, new)
        path.write_text(text)
        return validation.validate_export(export.read_export(tmp_export))
    return edit


@pytest.fixture
def hold_open(monkeypatch):
    """``hold_open(path, times)``: ``os.replace`` refuses to move ``path`` (any file if ``None``) ``times`` times (for
    good by default), as Windows does while another program holds the file open; returns the list of the tries to move
    it, refused or not. Called again, it replaces the earlier hold."""
    real = os.replace

    def hold(path: Path | None = None, times: float = float("inf")) -> list:
        tries = []

        def replace(src, dst):
            if path is None or Path(src) == Path(path):
                tries.append(src)
                if len(tries) <= times:
                    raise PermissionError(13, "The process cannot access the file because it is being used by another "
                                              "process", str(src))
            real(src, dst)

        monkeypatch.setattr(os, "replace", replace)
        return tries

    return hold
