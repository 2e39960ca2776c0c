"""Printed text is cut into stream outputs by the kernel's flush timer: the executed notebook must not depend on it."""

import nbformat

from analysis_utils import runner


def _executed(*outputs):
    cell = nbformat.v4.new_code_cell("run()", id="cell-01")
    cell.outputs = [nbformat.v4.new_output("stream", name=name, text=text) if name in ("stdout", "stderr")
                    else nbformat.v4.new_output("display_data", data={"text/plain": text}) for name, text in outputs]
    return nbformat.v4.new_notebook(cells=[cell])


def test_text_one_stream_sent_in_pieces_is_one_output_however_it_was_cut():
    calm = _executed(("stderr", "done: 24/240\ndone: 48/240\n"), ("display", "table"), ("stdout", "n = 11\n"))
    loaded = _executed(("stderr", "done: 24/240"), ("stderr", "\n"), ("stderr", "done: 48/240\n"), ("display", "table"),
                       ("stdout", "n = "), ("stdout", "11\n"))
    assert nbformat.writes(runner.normalise_executed(calm)) == nbformat.writes(runner.normalise_executed(loaded))
    outputs = runner.normalise_executed(loaded).cells[0].outputs
    assert [(o.output_type, o.get("name"), o.get("text")) for o in outputs] == [
        ("stream", "stderr", "done: 24/240\ndone: 48/240\n"), ("display_data", None, None), ("stream", "stdout", "n = 11\n")]


def test_streams_apart_or_of_another_name_stay_apart():
    nb = _executed(("stderr", "a\n"), ("stdout", "b\n"), ("stderr", "c\n"), ("display", "t"), ("stderr", "d\n"))
    outputs = runner.normalise_executed(nb).cells[0].outputs
    assert [o.get("text") for o in outputs] == ["a\n", "b\n", "c\n", None, "d\n"]
