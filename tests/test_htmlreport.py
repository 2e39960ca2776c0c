import base64
import re

import nbformat
import pytest

from analysis_utils import htmlreport

PNG_1PX = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


def _nb(section, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["report"] = {"section": section}
    nb.cells = cells
    for i, cell in enumerate(cells):
        cell.id = f"cell-{i:02d}"
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


def _stdout(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def test_sections_follow_ich_order_whatever_the_notebook_order():
    efficacy = _nb("efficacy", [_md("## ESSDAI change")])
    safety = _nb("safety", [_md("## Overview"), _md("## Demographics", tags=["section-disposition"])])
    out = _render([safety, efficacy])
    order = [out.index(f'id="sec-{s}"') for s in ("disposition", "efficacy", "safety", "appendix")]
    assert order == sorted(order)
    # the demographics heading moved with its section switch
    assert out.index('id="Demographics"') < out.index('id="sec-efficacy"')


def test_contents_link_every_section_and_result_heading_and_ids_are_unique():
    nb = _nb("efficacy", [_md("## Result"), _md("## Result"), _md("## Result-2"), _md("### Detail")])
    out = _render([nb])
    ids = re.findall(r' id="([^"]+)"', out)
    assert len(ids) == len(set(ids))
    toc = re.search(r'<nav id="toc">.*?</nav>', out, re.S).group(0)
    assert re.findall(r'href="#([^"]+)"', toc) == ["sec-efficacy", "Result", "Result-2", "Result-2-2", "sec-appendix",
                                                   "provenance"]
    for target in re.findall(r'<a href="#([^"]+)"', out):
        assert target in ids
    assert 'id="cell-id=nb01-cell-00"' in out  # merged cell ids carry their notebook's number


def test_no_script_no_external_resource_and_markdown_html_is_escaped():
    nb = _nb("efficacy", [_md("Text <script>alert(1)</script> <img src=x onerror=alert(1)>"),
                          _code([nbformat.v4.new_output("display_data", data={"image/png": PNG_1PX},
                                                        metadata={"alt": "ESSDAI by visit"})])])
    out = _render([nb])
    assert "<script" not in out and "&lt;script&gt;" in out and "<img src=x" not in out
    assert not re.search(r'src="(?!data:)', out)
    assert "<link" not in out and "@import" not in out and not re.search(r"https?://", out)
    image, = re.findall(r"<img [^>]*>", out)
    assert f'src="data:image/png;base64,{PNG_1PX}"' in image and 'alt="ESSDAI by visit"' in image
    assert "x = 1" not in out  # code is hidden


def test_every_image_has_alt_text():
    jpeg = nbformat.v4.new_output("display_data", data={"image/jpeg": PNG_1PX})
    out = _render([_nb("efficacy", [_code([jpeg])])])
    image, = re.findall(r"<img [^>]*>", out)
    assert 'alt="Figure"' in image


def test_a_page_that_would_load_from_outside_fails_the_build():
    nb = _nb("efficacy", [_md("![logo](http://example.org/x.png)")])
    with pytest.raises(ValueError, match="would load something from outside the file"):
        _render([nb])


def test_an_image_by_file_name_fails_the_build_but_an_image_pasted_into_the_cell_is_inlined():
    with pytest.raises(ValueError, match=r"notebook 01, cell cell-00, would load something from outside the file "
                                         r"\('<img src=' in [\s\S]*\.\./figures/x\.png"):
        _render([_nb("efficacy", [_md("![design](../figures/x.png)")])])
    pasted = _md("## Design\n\n![design.png](attachment:design.png)")
    pasted.attachments = {"design.png": {"image/png": PNG_1PX}}  # as JupyterLab stores an image pasted into a cell
    image, = re.findall(r"<img [^>]*>", _render([_nb("efficacy", [pasted])]))
    assert f'src="data:image/png;base64,{PNG_1PX}"' in image and 'alt="design.png"' in image


def test_excluded_parameter_cells_and_stderr_are_left_out():
    params = _code([_stdout("SECRET_PATH\n")], tags=["parameters"])
    injected = _code([_stdout("INJECTED_PATH\n")], tags=["injected-parameters"])
    hidden = _code([_stdout("HIDDEN\n")], tags=["report-exclude"])
    warning = nbformat.v4.new_output("stream", name="stderr", text="UserWarning: WARNED\n")
    shown = _code([_stdout("SHOWN\n"), warning])
    out = _render([_nb("efficacy", [params, injected, hidden, shown])])
    assert "SHOWN" in out
    assert not {"HIDDEN", "SECRET_PATH", "INJECTED_PATH", "WARNED"} & set(re.findall(r"[A-Z_]{5,}", out))


def test_synthetic_banner_only_for_synthetic_input_and_title_block_escaped():
    nb = _nb("efficacy", [_md("## A")])
    assert 'id="synthetic-banner"' in _render([nb], synthetic=True)
    assert 'id="synthetic-banner"' not in _render([nb], synthetic=False)
    out = htmlreport.render_report([nb], title_block={"Title": "T", "Input": "<b>x</b>"}, synthetic=False, appendix=[])
    assert "<dt>Input</dt><dd>&lt;b&gt;x&lt;/b&gt;</dd>" in out


def test_an_unknown_section_names_the_notebook():
    with pytest.raises(ValueError, match="04_efficacy.ipynb: unknown report section 'results'"):
        htmlreport.render_report([_nb("results", [_md("## A")])], title_block={}, synthetic=False, appendix=[],
                                 names=["04_efficacy.ipynb"])


def test_rendering_is_deterministic():
    nb = _nb("efficacy", [_md("## A"), _code([_stdout("1\n")])])
    assert _render([nb]) == _render([nb])


def test_summary_follows_the_title_page_and_parts_end_their_section():
    nb = _nb("safety", [_md("## Overview")])
    out = htmlreport.render_report([nb, _nb("planning", [_md("## Power")])], title_block={"Title": "T"},
                                   synthetic=False, appendix=[], summary='<section id="key-findings">K</section>',
                                   parts={"safety": [("Interpretation", "<p>Few events.</p>")]})
    assert out.index("</header>") < out.index('id="key-findings"') < out.index('<nav id="toc">')
    assert out.index('id="Overview"') < out.index('id="interpretation"') < out.index('id="sec-planning"')
    assert '<a href="#interpretation">Interpretation</a>' in out


def test_every_printed_page_of_a_synthetic_report_says_so():
    css = (htmlreport.TEMPLATES / "report" / "report.css").read_text(encoding="utf-8")
    assert f'content:"{htmlreport.SYNTHETIC_BANNER}"' in css and "body:has(#synthetic-banner){page:synthetic}" in css


def test_style_sheet_is_the_template_file_inlined_after_jupyterlabs():
    out = _render([_nb("efficacy", [_md("## A")])])
    css = (htmlreport.TEMPLATES / "report" / "report.css").read_text(encoding="utf-8")
    rule = "@page{size:A4 landscape;margin:12mm}"
    assert rule in css and rule in out
    assert out.index(".jp-RenderedHTMLCommon table {") < out.index(rule)  # the report's rules win
    assert "<link" not in out

def test_a_report_if_output_cell_without_output_leaves_no_trace():
    """Analyses that apply to some trials only (the between-arm cells of 04) add nothing to the page otherwise."""
    before = _render([_nb("efficacy", [_md("# Efficacy")])])
    warning = nbformat.v4.new_output("stream", name="stderr", text="UserWarning: WARNED\n")
    silent = [_md("# Efficacy"), _code([], tags=["report-if-output"]), _code([warning], tags=["report-if-output"])]
    assert _render([_nb("efficacy", silent)]) == before
    shown = _render([_nb("efficacy", [_md("# Efficacy"), _code([_stdout("ARMS_SHOWN\n")], tags=["report-if-output"])])])
    assert "ARMS_SHOWN" in shown


def test_an_output_that_ends_its_notebook_leaves_out_the_cells_after_it():
    """An analysis that does not apply to the export (the planning of 07 for a randomised trial) says why in an output
    marked ``END_METADATA`` (``report.end_notebook``); the notebook's later cells stay out, the next notebook's not."""
    why = nbformat.v4.new_output("display_data", data={"text/markdown": "NOT_FOR_THIS_EXPORT"},
                                 metadata={htmlreport.END_METADATA: True})
    planning = _nb("planning", [_code([why], tags=["report-if-output"]), _md("## PILOT_ONLY_TEXT"),
                                _code([_stdout("PILOT_ONLY_TABLE\n")])])
    out = _render([planning, _nb("appendix", [_md("## NEXT_NOTEBOOK")])])
    assert "NOT_FOR_THIS_EXPORT" in out and "NEXT_NOTEBOOK" in out
    assert "PILOT_ONLY_TEXT" not in out and "PILOT_ONLY_TABLE" not in out
    planning.cells[0].outputs[0].metadata = {}
    assert "PILOT_ONLY_TABLE" in _render([planning])


def _ended(text, monkeypatch, **kw):
    """The output ``report.end_notebook(text, **kw)`` shows, as an executed notebook holds it."""
    from analysis_utils import report

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, metadata=None: shown.append((obj, metadata)))
    report.end_notebook(text, **kw)
    (markdown, metadata), = shown
    return nbformat.v4.new_output("display_data", data={"text/markdown": markdown.data}, metadata=metadata)


def test_a_section_that_does_not_apply_to_the_export_is_left_out_heading_and_all(monkeypatch):
    """``report.end_notebook(text, leave_out=True)`` (07's planning, for a randomised trial's export): merge leaves
    out every cell of the notebook, those before the marked output and the output itself, so the section has no
    heading and no contents entry; the other sections keep their numbers (by position: the appendix stays "A").
    Without ``leave_out`` (07 at a data cut before week 12) the notebook is kept up to the marked output."""
    def notebooks(end):
        planning = _nb("planning", [_md("## BEFORE_THE_END"), _code([end], tags=["report-if-output"]),
                                    _md("## PILOT_ONLY_TEXT")])
        return [_nb("listings", [_md("## A listing")]), planning, _nb("appendix", [_md("## NEXT_NOTEBOOK")])]

    left_out = _ended("NOT_FOR_THIS_EXPORT", monkeypatch, leave_out=True)
    assert left_out.metadata == {htmlreport.END_METADATA: htmlreport.LEAVE_OUT}
    merged = htmlreport.merge(notebooks(left_out), ["04", "07", "08"], {})
    assert [c.id for c in merged.cells] == ["sec-listings", "nb04-cell-00", "sec-appendix", "nb08-cell-00"]
    out = _render(notebooks(left_out))
    for gone in ("NOT_FOR_THIS_EXPORT", "BEFORE_THE_END", "PILOT_ONLY_TEXT", 'id="sec-planning"', "Planning the"):
        assert gone not in out, gone
    toc = re.search(r'<nav id="toc">.*?</nav>', out, re.S).group(0)
    assert '<a href="#sec-listings">4 Listings</a>' in toc and "sec-planning" not in toc
    assert '<a href="#sec-appendix">A Appendix: data, methods and provenance</a>' in toc and "NEXT_NOTEBOOK" in out

    ended = _ended("NOT_COMPUTED_AT_THIS_CUT", monkeypatch)
    assert ended.metadata == {htmlreport.END_METADATA: True}
    kept = _render(notebooks(ended))
    assert "BEFORE_THE_END" in kept and "NOT_COMPUTED_AT_THIS_CUT" in kept and "PILOT_ONLY_TEXT" not in kept
    toc = re.search(r'<nav id="toc">.*?</nav>', kept, re.S).group(0)
    assert '<a href="#sec-planning">5 Planning the randomised trial</a>' in toc


def test_listings_take_the_numbers_of_ich_e3_appendix_16_2_in_the_order_of_the_page():
    """ICH E3 16.2: 16.2.1 discontinued patients, 16.2.2 protocol deviations, 16.2.6 individual efficacy response
    data, 16.2.7 adverse event listings. The merged notebooks' Listings section shows them in that order."""
    from analysis_utils import paths, runner

    names = [p.name for p in runner.list_notebooks()]
    notebooks = [nbformat.read(paths.NOTEBOOKS / name, as_version=4) for name in names]
    merged = htmlreport.merge(notebooks, names, {})
    start = next(i for i, c in enumerate(merged.cells) if c.id == "sec-listings")
    end = next(i for i, c in enumerate(merged.cells) if i > start and c.id.startswith("sec-"))
    source = "\n".join(c.source for c in merged.cells[start:end])
    numbers = list(dict.fromkeys(re.findall(r'"Listing (16\.2\.[0-9.]+)"', source)))
    assert numbers == ["16.2.1", "16.2.2", "16.2.6.1", "16.2.6.2", "16.2.7.1", "16.2.7.2"]
