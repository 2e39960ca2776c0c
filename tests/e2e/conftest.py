"""Fixtures of the end-to-end tests: one full build of the report on the shipped synthetic trial."""

import shutil

import pytest

from analysis_utils import paths, runner

DATA_CUTOFF = "2022-01-31"


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Build the whole report from data/raw into a scratch project root (data/ and reports/ are left alone)."""
    out_root = tmp_path_factory.mktemp("build")
    runner.build(paths.DATA_RAW, DATA_CUTOFF, out_root=out_root)
    return out_root


@pytest.fixture()
def scratch_copy(built, tmp_path):
    """A copy of the built outputs that a test may change."""
    for sub in ("data", "reports", "figures"):
        shutil.copytree(built / sub, tmp_path / sub)
    return tmp_path
