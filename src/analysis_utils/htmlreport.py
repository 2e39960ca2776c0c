"""Render the executed notebooks as one self-contained HTML report.

The report is assembled here rather than by an nbconvert template so that it is
self-contained and private by construction: no ``<script>``, no external style sheet,
font or image (figures are inlined as base64 PNG), every id derived from the content,
and every piece of text HTML-escaped. Cell inputs (code) are never shown; the executed
notebooks under ``reports/executed/`` keep them for statisticians.

Sections come in ICH E3 order (``SECTIONS``). A notebook's cells go to the section named by
its metadata ``report.section``; a cell tagged ``section-<name>`` switches the section from
that cell on, and a cell tagged ``report-exclude`` is left out.
"""

import base64
import html
import re
from dataclasses import dataclass, field

import mistune

#: Report sections in ICH E3 order: (key, title).
SECTIONS = (
    ("disposition", "Disposition and demographics"),
    ("efficacy", "Efficacy"),
    ("safety", "Safety"),
    ("listings", "Listings"),
    ("planning", "Planning the randomised trial"),
    ("appendix", "Appendix: data, methods and provenance"),
)
SECTION_TITLES = dict(SECTIONS)
EXCLUDE_TAG = "report-exclude"
SECTION_TAG_PREFIX = "section-"

STYLE = """
body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;margin:0;color:#1a1a1a;line-height:1.45;background:#fff}
main,header.title-page,nav#toc{max-width:1100px;margin:0 auto;padding:0 24px}
.banner-synthetic{position:sticky;top:0;z-index:10;background:#b00020;color:#fff;padding:10px 24px;
 font-weight:bold;text-align:center;letter-spacing:.02em}
header.title-page{padding-top:24px;border-bottom:2px solid #444;margin-bottom:16px}
header.title-page h1{font-size:1.7em;margin:.2em 0}
dl.study{display:grid;grid-template-columns:max-content auto;gap:4px 16px}
dl.study dt{font-weight:bold}dl.study dd{margin:0}
nav#toc ol{padding-left:1.4em;list-style:none}nav#toc li{margin:2px 0}
section.report-section{border-top:1px solid #ccc;margin-top:28px;padding-top:8px}
h2{font-size:1.45em}h3{font-size:1.2em;margin-top:1.4em}h4{font-size:1.05em;margin-top:1.2em}
table.report-table{border-collapse:collapse;margin:10px 0 4px;font-size:.9em;display:block;max-width:100%;overflow-x:auto}
table.report-table caption{caption-side:top;text-align:left;font-weight:bold;padding:4px 0}
table.report-table th,table.report-table td{border-bottom:1px solid #ddd;padding:3px 10px;vertical-align:top}
table.report-table thead th{border-bottom:2px solid #444;text-align:left}
table.report-table .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.dataframe{border-collapse:collapse;font-size:.9em}
table.dataframe th,table.dataframe td{border-bottom:1px solid #ddd;padding:3px 8px}
p.table-note{font-size:.85em;color:#555;margin:2px 0 12px}
img.figure{max-width:100%;height:auto;display:block;margin:8px 0}
pre.output{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:.85em}
"""


class _Renderer(mistune.HTMLRenderer):
    """Markdown renderer that escapes raw HTML and shifts heading levels under the section heading."""

    def __init__(self, doc: "_Document"):
        super().__init__(escape=True)
        self.doc = doc

    def image(self, text: str, url: str, title: str | None = None) -> str:
        """Only inline (data:) images; a link to an outside image would be loaded from the network."""
        if url.startswith("data:image/"):
            return f'<img class="figure" alt="{html.escape(text, quote=True)}" src="{html.escape(url, quote=True)}">'
        return f"<em>[image not embedded: {html.escape(text)}]</em>"

    def heading(self, text: str, level: int, **attrs) -> str:
        in_toc = level == 2  # a notebook's "## " result headings; its "# " title stays out of the contents
        level = min(level + 2, 6)
        anchor = self.doc.new_id(re.sub(r"<[^>]+>", "", text))
        if in_toc:
            self.doc.toc[-1][2].append((anchor, html.unescape(re.sub(r"<[^>]+>", "", text))))
        return f'<h{level} id="{anchor}">{text}</h{level}>\n'


@dataclass
class _Document:
    """Ids and table of contents collected while rendering."""

    toc: list = field(default_factory=list)  # [(section_id, title, [(anchor, text), ...])]
    used: dict = field(default_factory=dict)

    def new_id(self, text: str) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", html.unescape(text).lower()).strip("-")[:60].strip("-") or "part"
        if slug[0].isdigit():
            slug = f"s-{slug}"  # an id may not start with a digit in a CSS selector
        n = self.used.get(slug, 0) + 1
        self.used[slug] = n
        return slug if n == 1 else f"{slug}-{n}"


def _render_output(output: dict, md) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return f'<pre class="output">{html.escape(output.get("text", ""))}</pre>' if output.get("name") == "stdout" else ""
    if kind not in ("display_data", "execute_result"):
        return ""
    data = output.get("data", {})
    if "text/html" in data:  # produced by the package's escaping formatters (tables.show) or pandas
        return "".join(data["text/html"]) if isinstance(data["text/html"], list) else data["text/html"]
    if "image/png" in data:
        alt = html.escape(output.get("metadata", {}).get("alt", "Figure"), quote=True)
        png = data["image/png"].replace("\n", "")
        base64.b64decode(png, validate=True)  # a corrupt image fails the build, not the reader
        return f'<img class="figure" alt="{alt}" src="data:image/png;base64,{png}">'
    if "text/markdown" in data:
        return md(data["text/markdown"])
    if "text/plain" in data:
        return f'<pre class="output">{html.escape(data["text/plain"])}</pre>'
    return ""


def _cells_by_section(notebooks: list) -> dict:
    """Group the cells of the executed notebooks by report section, keeping their order."""
    grouped = {key: [] for key, _ in SECTIONS}
    for nb in notebooks:
        section = nb.metadata.get("report", {}).get("section", "appendix")
        for cell in nb.cells:
            tags = cell.metadata.get("tags", [])
            switch = [t[len(SECTION_TAG_PREFIX):] for t in tags if t.startswith(SECTION_TAG_PREFIX)]
            if switch:
                section = switch[0]
            if section not in grouped:
                raise ValueError(f"unknown report section {section!r} (known: {list(grouped)})")
            if EXCLUDE_TAG not in tags and "parameters" not in tags and "injected-parameters" not in tags:
                grouped[section].append(cell)
    return grouped


def render_report(notebooks: list, *, title_block: dict, synthetic: bool, appendix: list[tuple[str, str]]) -> str:
    """Return the report as one HTML document.

    Parameters
    ----------
    notebooks : list of NotebookNode
        Executed notebooks, in pipeline order.
    title_block : dict
        Label -> value pairs for the title page (study, registry, design, data cut, ...); the
        key ``"Title"`` is the heading.
    synthetic : bool
        Show the synthetic-data banner on every screen.
    appendix : list of (heading, html)
        Extra appendix parts (data queries, dictionary, methods, provenance), already escaped HTML.
    """
    doc = _Document()
    md = mistune.create_markdown(escape=True, renderer=_Renderer(doc), plugins=["table", "strikethrough"])
    body = []
    grouped = _cells_by_section(notebooks)
    for number, (key, title) in enumerate(SECTIONS, start=1):
        cells, extra = grouped[key], appendix if key == "appendix" else []
        if not cells and not extra:
            continue
        label = "A" if key == "appendix" else str(number)
        doc.toc.append((f"sec-{key}", f"{label} {title}", []))
        doc.used[f"sec-{key}"] = 1
        parts = [f'<section class="report-section" id="sec-{key}">', f"<h2>{html.escape(label + ' ' + title)}</h2>"]
        for cell in cells:
            if cell.cell_type == "markdown":
                parts.append(md(cell.source))
            elif cell.cell_type == "code":
                parts += [_render_output(o, md) for o in cell.get("outputs", [])]
        for heading, fragment in extra:
            anchor = doc.new_id(heading)
            doc.toc[-1][2].append((anchor, heading))
            parts += [f'<h3 id="{anchor}">{html.escape(heading)}</h3>', fragment]
        parts.append("</section>")
        body.append("\n".join(p for p in parts if p))
    return _page(doc, body, title_block=title_block, synthetic=synthetic)


def _page(doc: _Document, body: list[str], *, title_block: dict, synthetic: bool) -> str:
    title = html.escape(title_block.get("Title", "Report"))
    banner = (
        '<div class="banner-synthetic" id="synthetic-banner" role="alert">SYNTHETIC DATA: invented for '
        "testing the analysis; these are not the trial's results.</div>" if synthetic else ""
    )
    facts = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>"
                    for k, v in title_block.items() if k != "Title")
    toc = []
    for sec_id, sec_title, subs in doc.toc:
        items = "".join(f'<li><a href="#{a}">{html.escape(t)}</a></li>' for a, t in subs)
        toc.append(f'<li><a href="#{sec_id}">{html.escape(sec_title)}</a>' + (f"<ol>{items}</ol>" if items else "") + "</li>")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>", f"<style>{STYLE}</style>", "</head>", "<body>", banner,
        f'<header class="title-page"><h1>{title}</h1><dl class="study">{facts}</dl></header>',
        f'<nav id="toc"><h2>Contents</h2><ol>{"".join(toc)}</ol></nav>', "<main>", *body, "</main>",
        "</body>", "</html>", "",
    ])
