"""Render the executed notebooks as one self-contained HTML report with nbconvert.

The notebooks are merged in ICH E3 section order (``SECTIONS``): a notebook's cells go to the
section of its metadata ``report.section``, a cell tagged ``section-<name>`` switches the section,
a cell tagged ``report-exclude`` (and the parameters cells) is left out, and so are stderr streams
(warnings) and the code cells tagged ``report-if-output`` that show nothing (analyses that apply to
some trials only, such as the between-arm comparisons). nbconvert's ``HTMLExporter`` renders them with the package's template
(``templates/report``: JupyterLab's look, no script), code hidden. Raw HTML in markdown is escaped
(data text in tables is escaped by ``tables``), figures are inlined, ids come from the content,
and a page that would load anything from outside the file fails the build.
"""

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
SECTION_TAG_PREFIX = "section-"
TEMPLATES = Path(__file__).parent / "templates"

#: What would make the page load something from outside the file.
_OUTSIDE = re.compile(r"<script|<link|<iframe|@import|(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//|url\(\s*[\"']?(?:https?:)?//",
                      re.I)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-") or "part"
    return f"s-{slug}" if slug[0].isdigit() else slug


def _html_cell(fragment: str, cell_id: str):
    """A code cell without code whose only output is ``fragment`` (HTML the package built and escaped)."""
    import nbformat

    cell = nbformat.v4.new_code_cell("# part of the report page", id=cell_id)  # an empty cell is dropped
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": fragment})]
    return cell


def merge(notebooks: list, names: list[str], parts: dict[str, list[tuple[str, str]]]):
    """One notebook: a heading per section in ``SECTIONS`` order, each followed by its cells, then its
    ``parts`` ((heading, HTML) pairs, by section key). Cell ids get the notebook's number as prefix (``nb04-cell-07``)."""
    import nbformat

    grouped = {key: [] for key, _ in SECTIONS}
    for nb, name in zip(notebooks, names):
        section = nb.metadata.get("report", {}).get("section", "appendix")
        for cell in nb.cells:
            tags = cell.metadata.get("tags", [])
            section = next((t[len(SECTION_TAG_PREFIX):] for t in tags if t.startswith(SECTION_TAG_PREFIX)), section)
            if section not in grouped:
                raise ValueError(f"{name}: unknown report section {section!r} (known: {list(grouped)})")
            if {EXCLUDE_TAG, "parameters", "injected-parameters"} & set(tags):
                continue
            cell = nbformat.from_dict(cell)
            cell.id = f"nb{name[:2]}-{cell.id}"
            if cell.cell_type == "code":
                cell.outputs = [o for o in cell.outputs if o.get("name") != "stderr"]
                if IF_OUTPUT_TAG in tags and not cell.outputs:
                    continue
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
    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                         "language": "python"}})


def _unique_heading_ids(page: str) -> str:
    """Number repeated heading ids in page order (``Summary``, ``Summary-2``), with their anchor links."""
    seen: dict[str, int] = {}

    def rename(match):
        old = match.group(2)
        seen[old] = seen.get(old, 0) + 1
        new = old if seen[old] == 1 else f"{old}-{seen[old]}"
        return f'{match.group(1)}id="{new}"' + match.group(3).replace(f'href="#{old}"', f'href="#{new}"')

    return re.sub(r'(<h[1-6][^>]*? )id="([^"]+)"(.*?</h[1-6]>)', rename, page, flags=re.S)


def _contents(main: str) -> str:
    """The contents: each section (``sec-`` headings) with the level-2 headings under it."""
    toc = []
    for level, ident, text in re.findall(r'<h([12])[^>]*? id="([^"]+)"[^>]*>(.*?)</h\1>', main, flags=re.S):
        text = html.escape(html.unescape(re.sub(r"<[^>]+>", "", text)).rstrip("¶").strip())
        if level == "1" and ident.startswith("sec-"):
            toc.append([f'<li><a href="#{ident}">{text}</a>', []])
        elif level == "2" and toc:
            toc[-1][1].append(f'<li><a href="#{ident}">{text}</a></li>')
    items = "".join(head + (f"<ol>{''.join(subs)}</ol>" if subs else "") + "</li>" for head, subs in toc)
    return f'<nav id="toc"><h2>Contents</h2><ol>{items}</ol></nav>'


def _exporter():
    from jinja2 import pass_context
    from nbconvert import HTMLExporter
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    class Exporter(HTMLExporter):
        @pass_context
        def markdown2html(self, context, source):
            """Markdown with its raw HTML escaped: text from notebooks never becomes markup."""
            return MarkdownWithMath(renderer=IPythonRenderer(escape=True)).render(source)

    return Exporter(template_name="report", extra_template_basedirs=[str(TEMPLATES)], exclude_input=True,
                    exclude_input_prompt=True, exclude_output_prompt=True)


def render_report(notebooks: list, *, title_block: dict, synthetic: bool, appendix: list[tuple[str, str]],
                  parts: dict | None = None, summary: str = "", names: list[str] | None = None) -> str:
    """Return the report as one HTML document.

    Parameters
    ----------
    notebooks : list of NotebookNode
        Executed notebooks, in pipeline order; ``names`` their file names (default ``NN_...``).
    title_block : dict
        Label -> value pairs for the title page; the key ``"Title"`` is the heading.
    synthetic : bool
        Show the synthetic-data banner on every screen.
    appendix : list of (heading, html)
        Appendix parts (data queries, dictionary, methods, provenance), already escaped HTML; ``parts``
        (section key -> such a list) end other sections; ``summary`` (escaped HTML) follows the title page.
    """
    names = names or [f"{i:02d}" for i in range(1, len(notebooks) + 1)]
    merged = merge(notebooks, names, {**(parts or {}), "appendix": appendix})
    title = html.escape(title_block.get("Title", "Report"))
    merged.metadata["title"] = title_block.get("Title", "Report")
    banner = ('<div class="banner-synthetic" id="synthetic-banner" role="alert">SYNTHETIC DATA: invented for '
              "testing the analysis; these are not the trial's results.</div>" if synthetic else "")
    facts = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in title_block.items() if k != "Title")
    header = f'{banner}\n<header class="title-page"><h1>{title}</h1><dl class="study">{facts}</dl></header>\n{summary}<!--contents-->'
    page, _ = _exporter().from_notebook_node(merged, resources={"report": {"header": header}})
    head, main = page.split("<main>", 1)
    head = re.sub(r"/\*.*?\*/", "", head, flags=re.S)  # CSS comments (JupyterLab's cite web pages)
    main = _unique_heading_ids(main)
    page = head.replace("<!--contents-->", _contents(main)) + "<main>" + main
    outside = _OUTSIDE.search(page)
    if outside:
        at = page[max(0, outside.start() - 80):outside.end() + 80]
        raise ValueError(f"report: the page would load something from outside the file ({outside.group(0)!r} in ...{at}...)")
    return page
