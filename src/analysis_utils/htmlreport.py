"""Render the executed notebooks as one self-contained HTML report with nbconvert.

The notebooks are merged in ICH E3 section order (``SECTIONS``) by metadata ``report.section`` (a cell
tagged ``section-<name>`` switches it), without cells tagged ``report-exclude``, parameters cells, stderr
(warnings), cells tagged ``report-if-output`` that show nothing (analyses of some trials only), and a notebook's
cells after an output that ends it (``END_METADATA``: an analysis that does not apply to the export, which says why),
or all of them (``LEAVE_OUT``: a section that does not apply to this kind of export).
nbconvert's ``HTMLExporter`` renders them with the package's template (``templates/report``), code hidden,
raw HTML in markdown escaped, figures inlined, ids from the content; a page that would load anything
from outside the file fails the build.
"""

import functools
import html
import re
from pathlib import Path

#: Report sections in ICH E3 order: (key, title).
SECTIONS = (
    ("disposition", "Disposition and demographics"),
    ("efficacy", "Efficacy"),
    ("safety", "Safety"),
    ("listings", "Listings"),
    ("planning", "Planning the randomised trial"),
    ("appendix", "Appendix: data, methods and provenance"),
)
EXCLUDE_TAG = "report-exclude"
#: A code cell with this tag is left out when it has no output (no empty cell in the page).
IF_OUTPUT_TAG = "report-if-output"
#: Metadata of a cell's output (``report.end_notebook``) after which the notebook's cells are left out.
END_METADATA = "report_end"
#: The value of ``END_METADATA`` that leaves out every cell of the notebook, the marked output too
#: (``report.end_notebook(..., leave_out=True)``: a section that does not apply to this kind of export).
LEAVE_OUT = "leave-out"
SECTION_TAG_PREFIX = "section-"
#: The banner of a report of invented data (``report.css`` prints it at the top of every page).
SYNTHETIC_BANNER = "SYNTHETIC DATA: invented for testing the analysis; these are not the trial's results."
TEMPLATES = Path(__file__).parent / "templates"

#: What would make the page load something from outside the file: also an image by a file name (``![](x.png)``,
#: which the report, moved or mailed, would not find); an image pasted into a markdown cell is inlined.
_OUTSIDE = re.compile(r"<script|<link|<iframe|@import|<[^>]*\ssrc\s*=(?!\s*[\"']?\s*data:)|href\s*=\s*[\"']?\s*(?:https?:)?//"
                      r"|url\(\s*[\"']?(?:https?:)?//", re.I)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-") or "part"
    return f"s-{slug}" if slug[0].isdigit() else slug


def section_of(name: str, metadata: dict, section: str | None = None, tags: list[str] = ()) -> str:
    """The report section of a cell of notebook ``name``: the one a ``section-<name>`` tag among ``tags`` switches
    to, else ``section`` (the previous cell's), else the notebook's metadata ``report.section``, else the appendix;
    an unknown one is an error."""
    section = section or metadata.get("report", {}).get("section", "appendix")
    section = next((t[len(SECTION_TAG_PREFIX):] for t in tags if t.startswith(SECTION_TAG_PREFIX)), section)
    if section not in dict(SECTIONS):
        raise ValueError(f"{name}: unknown report section {section!r} (known: {[key for key, _ in SECTIONS]})")
    return section


def _html_cell(fragment: str, cell_id: str) -> dict:
    """A code cell without code whose only output is ``fragment`` (HTML the package built and escaped)."""
    return {"cell_type": "code", "id": cell_id, "metadata": {}, "execution_count": None, "source": "# report page part",
            "outputs": [{"output_type": "display_data", "data": {"text/html": fragment}, "metadata": {}}]}


def merge(notebooks: list, names: list[str], parts: dict[str, list[tuple[str, str]]]):
    """One notebook: a heading per section in ``SECTIONS`` order, each followed by its cells, then its
    ``parts`` ((heading, HTML) pairs, by section key); a section without either has no heading, and the others keep
    their numbers (by position in ``SECTIONS``). Cell ids get the notebook's number as prefix (``nb04-cell-07``).
    A notebook's cells end at an output marked ``END_METADATA``; marked ``LEAVE_OUT``, none of them is kept."""
    import nbformat

    grouped = {key: [] for key, _ in SECTIONS}
    for nb, name in zip(notebooks, names):
        section, kept = section_of(name, nb.metadata), []
        for cell in nb.cells:
            tags = cell.metadata.get("tags", [])
            section = section_of(name, nb.metadata, section, tags)
            if {EXCLUDE_TAG, "parameters", "injected-parameters"} & set(tags):
                continue
            cell = nbformat.from_dict(cell)
            cell.id = f"nb{name[:2]}-{cell.id}"
            if cell.cell_type == "code":
                cell.outputs = [o for o in cell.outputs if o.get("name") != "stderr"]
                if IF_OUTPUT_TAG in tags and not cell.outputs:
                    continue
            kept.append((section, cell))
            ends = [output.get("metadata", {}).get(END_METADATA) for output in cell.get("outputs", ())]
            if LEAVE_OUT in ends:
                kept = []
            if any(ends):
                break
        for section, cell in kept:
            grouped[section].append(cell)
    cells = []
    for number, (key, title) in enumerate(SECTIONS, start=1):
        extra = parts.get(key, [])
        if grouped[key] or extra:
            label = "A" if key == "appendix" else str(number)
            cells.append(_html_cell(f'<h1 id="sec-{key}" class="report-section">{label} {html.escape(title)}</h1>',
                                    f"sec-{key}"))
            cells += grouped[key]
            cells += [_html_cell(f'<h2 id="{_slug(h)}">{html.escape(h)}</h2>\n{part}', f"appendix-{_slug(h)}")
                      for h, part in extra]
    return nbformat.from_dict({"nbformat": 4, "nbformat_minor": 5, "cells": cells, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}})


def _headings(main: str) -> tuple[str, str]:
    """``main`` with repeated heading ids numbered in page order (``Summary``, ``Summary-2``, with their anchor
    links), and the contents: each section (``sec-`` headings) with the level-2 headings under it."""
    used, toc = set(), []

    def rename(match):
        start, level, old, rest, text, end = match.groups()
        new, n = old, 1
        while new in used:  # "Summary", "Summary" and "Summary-2" become Summary, Summary-2 and Summary-2-2
            n += 1
            new = f"{old}-{n}"
        used.add(new)
        item = f'<li><a href="#{new}">{html.escape(html.unescape(re.sub(r"<[^>]+>", "", text)).rstrip("¶").strip())}</a>'
        if level == "1" and new.startswith("sec-"):
            toc.append([item, []])
        elif level == "2" and toc:
            toc[-1][1].append(f"{item}</li>")
        return f'{start}id="{new}"{rest}' + text.replace(f'href="#{old}"', f'href="#{new}"') + end

    main = re.sub(r'(<h([1-6])[^>]*? )id="([^"]+)"([^>]*>)(.*?)(</h\2>)', rename, main, flags=re.S)
    items = "".join(head + (f"<ol>{''.join(subs)}</ol>" if subs else "") + "</li>" for head, subs in toc)
    return main, f'<nav id="toc"><h2>Contents</h2><ol>{items}</ol></nav>'


@functools.cache
def _exporter():
    from jinja2 import pass_context
    from nbconvert import HTMLExporter, TemplateExporter
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    class Exporter(HTMLExporter):
        @pass_context
        def markdown2html(self, context, source):
            """Markdown with its raw HTML escaped (text from notebooks never becomes markup), and the images pasted
            into the cell (its attachments) inlined."""
            attachments = context.get("cell", {}).get("attachments", {})
            return MarkdownWithMath(renderer=IPythonRenderer(escape=True, attachments=attachments)).render(source)

        def from_notebook_node(self, nb, resources=None, **kw):
            """HTMLExporter's without its BeautifulSoup pass (a second each build) that adds the alt text
            ``render_report`` adds and makes outputs focusable (browsers focus a wide table's scrolling output)."""
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", lambda source, **kw: source)  # code is hidden
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata,
                                                                           parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    # validated once after nbconvert's preprocessors, not after each
    return Exporter(template_name="report", extra_template_basedirs=[str(TEMPLATES)], exclude_input=True,
                    exclude_input_prompt=True, exclude_output_prompt=True, optimistic_validation=True)


def compile_template() -> None:
    """Import nbconvert and compile the report's template (a build does it while its notebooks run)."""
    import nbformat

    _exporter().from_notebook_node(nbformat.v4.new_notebook(), resources={"report": {"header": ""}})


def render_report(notebooks: list, *, title_block: dict, synthetic: bool, appendix: list[tuple[str, str]],
                  parts: dict | None = None, summary: str = "", names: list[str] | None = None) -> str:
    """Return the report of the executed ``notebooks`` (file ``names``, default ``NN``) as one HTML document:
    the title page (``title_block``: label -> value, ``"Title"`` the heading; with the synthetic-data banner
    if ``synthetic``), ``summary``, the contents, then the sections, the ``appendix`` parts (heading, HTML)
    last and the ``parts`` of other sections (section key -> such a list) at their end (HTML escaped by the caller)."""
    names = names or [f"{i:02d}" for i in range(1, len(notebooks) + 1)]
    merged = merge(notebooks, names, {**(parts or {}), "appendix": appendix})
    title = html.escape(title_block.get("Title", "Report"))
    merged.metadata["title"] = title_block.get("Title", "Report")
    banner = (f'<div class="banner-synthetic" id="synthetic-banner" role="alert">{SYNTHETIC_BANNER}</div>' if synthetic
              else "")
    facts = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in title_block.items() if k != "Title")
    header = f'{banner}\n<header class="title-page"><h1>{title}</h1><dl class="study">{facts}</dl></header>\n{summary}<!--contents-->'
    page, _ = _exporter().from_notebook_node(merged, resources={"report": {"header": header}})
    head, main = page.split("<main>", 1)
    head = re.sub(r"/\*.*?\*/", "", head, flags=re.S)  # CSS comments (JupyterLab's cite web pages)
    main, contents = _headings(re.sub(r"<img(?![^>]*\balt=)", '<img alt="Figure"', main))
    page = head.replace("<!--contents-->", contents) + "<main>" + main
    outside = _OUTSIDE.search(page)
    if outside:
        at = page[max(0, outside.start() - 80):outside.end() + 80]
        number, cell = (re.findall(r'id="cell-id=nb(\d\d)-([^"]+)"', page[:outside.start()]) or [("?", "?")])[-1]
        raise ValueError(f"report: notebook {number}, cell {cell}, would load something from outside the file "
                         f"({outside.group(0)!r} in ...{at}...)")
    return page
