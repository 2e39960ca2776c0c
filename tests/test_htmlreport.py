import base64
import re

import nbformat

from analysis_utils import htmlreport

PNG_1PX = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


def _nb(section, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["report"] = {"section": section}
    nb.cells = cells
    return nb


def _code(outputs, tags=()):
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.outputs = outputs
    cell.metadata["tags"] = list(tags)
    return cell


def _md(text, tags=()):
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = list(tags)
    return cell


def _render(notebooks, synthetic=True):
    return htmlreport.render_report(notebooks, title_block={"Title": "T", "Data cut": "2022-01-31"},
                                    synthetic=synthetic, appendix=[("Provenance", "<p>sha</p>")])


def test_sections_follow_ich_order_whatever_the_notebook_order():
    efficacy = _nb("efficacy", [_md("## ESSDAI change")])
    safety = _nb("safety", [_md("## Overview"), _md("## Demographics", tags=["section-disposition"])])
    out = _render([safety, efficacy])
    order = [out.index(f'id="sec-{s}"') for s in ("disposition", "efficacy", "safety", "appendix")]
    assert order == sorted(order)
    # the demographics heading moved with its section switch
    assert out.index('id="demographics"') < out.index('id="sec-efficacy"')


def test_every_toc_link_has_a_target_and_ids_are_unique():
    nb = _nb("efficacy", [_md("## Result"), _md("## Result"), _md("### Detail")])
    out = _render([nb])
    ids = re.findall(r' id="([^"]+)"', out)
    assert len(ids) == len(set(ids))
    for target in re.findall(r'<a href="#([^"]+)"', out):
        assert target in ids


def test_no_script_no_external_resource_and_markdown_html_is_escaped():
    nb = _nb("efficacy", [_md("Text <script>alert(1)</script> ![logo](http://example.org/x.png)"),
                          _code([nbformat.v4.new_output("display_data", data={"image/png": PNG_1PX})])])
    out = _render([nb])
    assert "<script" not in out
    assert "&lt;script&gt;" in out
    assert not re.search(r'src="(?!data:)', out)
    assert "<link" not in out and "@import" not in out and "url(" not in out
    assert f"data:image/png;base64,{PNG_1PX}" in out


def test_excluded_and_parameter_cells_are_left_out():
    params = _code([nbformat.v4.new_output("stream", name="stdout", text="SECRET_PATH\n")], tags=["parameters"])
    hidden = _code([nbformat.v4.new_output("stream", name="stdout", text="HIDDEN\n")], tags=["report-exclude"])
    shown = _code([nbformat.v4.new_output("stream", name="stdout", text="SHOWN\n")])
    out = _render([_nb("efficacy", [params, hidden, shown])])
    assert "SHOWN" in out and "HIDDEN" not in out and "SECRET_PATH" not in out


def test_synthetic_banner_only_for_synthetic_input():
    nb = _nb("efficacy", [_md("## A")])
    assert 'id="synthetic-banner"' in _render([nb], synthetic=True)
    assert 'id="synthetic-banner"' not in _render([nb], synthetic=False)


def test_rendering_is_deterministic():
    nb = _nb("efficacy", [_md("## A"), _code([nbformat.v4.new_output("stream", name="stdout", text="1\n")])])
    assert _render([nb]) == _render([nb])
