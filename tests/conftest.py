"""Shared fixtures: the shipped 11-patient synthetic trial, as raw tables and as a breakable copy on disk."""

import pytest

from analysis_utils import export, synthetic


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
