"""``paths.replace``: the rename every output goes through, retried on Windows while a scanner holds the file."""

import time

import pytest

from analysis_utils import paths


def test_a_rename_waits_out_a_file_held_for_a_moment_on_windows(tmp_path, hold_open):
    (tmp_path / "new.csv").write_text("new")
    calls = hold_open(times=3)  # three tries fail: 0.15 s of waiting
    paths.replace(tmp_path / "new.csv", tmp_path / "ard.csv", platform="win32")
    assert len(calls) == 4 and (tmp_path / "ard.csv").read_text() == "new"


def test_a_rename_gives_up_after_the_retry_time_on_windows_and_at_once_elsewhere(tmp_path, monkeypatch, hold_open):
    (tmp_path / "new.csv").write_text("new")
    calls = hold_open()  # a workbook open in Excel
    monkeypatch.setattr(paths, "RENAME_RETRY_SECONDS", 0.2)
    start = time.monotonic()
    with pytest.raises(PermissionError, match="used by another process"):
        paths.replace(tmp_path / "new.csv", tmp_path / "ard.csv", platform="win32")
    assert 0.2 <= time.monotonic() - start < 2 and 3 <= len(calls) <= 6  # every 0.05 s, then the error
    calls.clear()
    with pytest.raises(PermissionError):  # elsewhere a PermissionError is the folder's permissions: no wait
        paths.replace(tmp_path / "new.csv", tmp_path / "ard.csv", platform="linux")
    assert len(calls) == 1 and (tmp_path / "new.csv").read_text() == "new"
