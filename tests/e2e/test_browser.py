"""Open the report in headless Chromium (Debian's package) with no network, as an investigator would."""

import re
import shutil
from pathlib import Path

import pytest

from analysis_utils import htmlreport

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


#: Width of the printable area of an A4 landscape page (297 mm less the 12 mm margins of report.css), in CSS px.
A4_LANDSCAPE_PX = round((297 - 2 * 12) / 25.4 * 96)
#: Names from the code that must never reach a reader, and patterns of such names.
CODE_NAMES = ("PROCESSED_DIR", "REPORTS_DIR", "FIGURES_DIR", "DATA_DIR", "DATA_CUTOFF", "N_SIM", "AESI_PTS",
              "TABLE1_LEVELS", "VISIT_WINDOW_RULE", "VISIT_DUE_RULE", "FASFL", "TRTEMFL", "computed in the next cell",
              "notebook", "parameters cell")
CODE_PATTERNS = (re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]\b"),  # CONSTANT_NAMES
                 re.compile(r"\b(?:analysis_utils|safety|disposition|endpoints|planning|cleaning|tables|vocabulary)"
                            r"\.[A-Za-z_]+\b(?<!\.csv)"),  # module.attribute
                 re.compile(r"^\d\d [A-Z][a-z]+", re.M))  # a notebook title ("06 Safety")
#: Tables wider than their container (their caption or first words), in the page's current media and width.
TOO_WIDE = """() => [...document.querySelectorAll('table')].filter(t => t.scrollWidth > t.parentElement.clientWidth + 1
    || t.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map(t => (t.caption ? t.caption.innerText : t.innerText).slice(0, 80))"""

#: Words of table cells broken across two lines (their text and the table's caption), in the page's current
#: media and width. A word is what lies between spaces; a long identifier may wrap after a hyphen or a slash,
#: so its parts up to each hyphen or slash count as words. Chinese has no spaces: a line may break between any two of
#: its characters (Unicode line breaking, class ID), as Chinese is set, so they are no part of a word here.
BROKEN_WORDS = r"""() => { const broken = [];
  for (const t of document.querySelectorAll('table.report-table')) {
    const walker = document.createTreeWalker(t.tBodies[0] || t, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /[^\s\-\/\u2013\u3000-\u9fff\uff00-\uffef]+[\-\/\u2013]*/g;
      for (let m = re.exec(node.data); m; m = re.exec(node.data)) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push([m[0], (t.caption ? t.caption.innerText : '').slice(0, 40)]);
      }
    }
  }
  return broken.slice(0, 20) }"""


@pytest.fixture(scope="module")
def page(built):
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (.ci/run installs Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    report = built / "reports" / "report.html"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.console_errors, page.outside_requests = [], []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))

        def route(r):
            if r.request.url.startswith(("file:", "data:")):
                return r.continue_()
            page.outside_requests.append(r.request.url)
            return r.abort()

        page.route("**/*", route)
        page.goto(report.as_uri(), wait_until="load")
        yield page
        page.screenshot(path=str(built / "report_screenshot.png"), full_page=False)  # beside, not in, the outputs
        browser.close()


def test_no_console_errors_and_no_request_leaves_the_file(page):
    assert page.console_errors == []
    assert page.outside_requests == []


def test_every_image_decodes_with_a_size_and_has_alt_text(page):
    sizes = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight, i.alt])")
    assert sizes, "the report has no figure"
    assert all(done and w > 0 and h > 0 for done, w, h, _ in sizes)
    assert all(len(alt.split()) >= 5 for *_, alt in sizes), [alt for *_, alt in sizes]


def test_every_toc_link_lands_on_its_section_below_the_banner(page):
    targets = page.eval_on_selector_all("nav#toc a", "as => as.map(a => a.getAttribute('href'))")
    assert len(targets) >= 6
    for href in targets:
        page.click(f'nav#toc a[href="{href}"]')
        top = page.eval_on_selector(f'[id="{href[1:]}"]', "el => el.getBoundingClientRect().top")
        banner = page.eval_on_selector("#synthetic-banner", "el => el.getBoundingClientRect().bottom")
        # the last sections of the page cannot scroll to the top: there the heading is below the banner, in view
        at_end = page.evaluate("window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1")
        lowest = page.evaluate("window.innerHeight") - 40 if at_end else banner + 60
        assert banner <= top <= lowest, (href, top, banner)
        page.evaluate("window.scrollTo(0, 0)")


def test_no_table_is_wider_than_its_container_on_screen_or_on_a4(page):
    assert page.evaluate(TOO_WIDE) == []  # 1280 px screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # no sideways scroll bar
    css = (htmlreport.TEMPLATES / "report" / "report.css").read_text(encoding="utf-8")
    assert "@page{size:A4 landscape;margin:12mm}" in css
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_LANDSCAPE_PX, "height": 900})
    try:
        assert page.evaluate(TOO_WIDE) == []
        assert page.eval_on_selector("#synthetic-banner", "el => getComputedStyle(el).position") == "static"
    finally:
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1280, "height": 900})


def test_printed_tables_break_lines_between_words_only(page):
    css = (htmlreport.TEMPLATES / "report" / "report.css").read_text(encoding="utf-8")
    assert "overflow-wrap:anywhere" not in css  # it lets a column shrink below its longest word
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_LANDSCAPE_PX, "height": 900})
    try:
        assert page.evaluate(BROKEN_WORDS) == []
    finally:
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1280, "height": 900})
    assert page.evaluate(BROKEN_WORDS) == []  # 1280 px screen


def test_the_printed_report_ends_with_its_last_table(page):
    """The padding below the last table, JupyterLab's, pushed a last printed page holding the banner alone (the pilot
    printed 77 pages, the last empty; 76 without it)."""
    page.emulate_media(media="print")
    try:
        spaces = page.evaluate("""() => ['body', 'main', '.jp-Notebook'].map(s => document.querySelector(s))
            .map(el => getComputedStyle(el).paddingBottom + ' ' + getComputedStyle(el).marginBottom)""")
    finally:
        page.emulate_media(media="screen")
    assert spaces == ["0px 0px"] * 3


def test_every_table_has_a_numbered_caption_and_a_source_footnote(page):
    # Every table of the page, the appendix's (input files, data queries, dictionary, provenance) included.
    tables = page.evaluate("""() => [...document.querySelectorAll('table')].map(t => {
        let source = false;
        for (let e = t.nextElementSibling; e && e.tagName !== 'TABLE'; e = e.nextElementSibling)
            if (e.matches('.table-note') && e.textContent.includes('Source:')) source = true;
        return [(t.caption ? t.caption.innerText : t.innerText).slice(0, 80), source, !!t.closest('#key-findings')] })""")
    assert len(tables) >= 50
    assert [caption for caption, source, _ in tables if not source] == []
    # numbered in the reading order of sections 1-5 and the appendix; the key findings are a summary, not a table
    number = re.compile(r"(?:Table|Listing) (?:\d+(?:\.\d+)+[a-z]?|[A-Z]\.\d+) ")
    assert [caption for caption, _, summary in tables if not summary and not number.match(caption)] == []
    appendix = [caption.split(" ", 2)[1] for caption, *_ in tables if re.match(r"(?:Table|Listing) A\.", caption)]
    assert appendix == [f"A.{k}" for k in range(1, len(appendix) + 1)] and len(appendix) >= 10


def test_no_code_name_or_notebook_title_in_the_visible_text(page):
    text = page.inner_text("body")
    assert [name for name in CODE_NAMES if name.lower() in text.lower()] == []
    assert [p.findall(text) for p in CODE_PATTERNS] == [[]] * len(CODE_PATTERNS)


def test_key_findings_follow_the_title_page_with_the_caveat(page):
    order = page.evaluate("() => [...document.body.children].map(e => e.id || e.className)")
    assert order.index("key-findings") == order.index("toc") - 1
    findings = page.inner_text("#key-findings")
    assert "ESSDAI change from baseline to week 12" in findings and "95% CI" in findings
    assert "8/9 (88.9%;" in findings  # the published week-24 result: 8 of the 9 patients with the MCII
    assert "no control group" in findings


def test_synthetic_banner_is_visible_while_scrolling(page):
    assert page.is_visible("#synthetic-banner")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    box = page.eval_on_selector("#synthetic-banner", "el => el.getBoundingClientRect().top")
    assert box == 0
    page.evaluate("window.scrollTo(0, 0)")
