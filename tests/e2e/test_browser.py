"""Open the report in headless Chromium (Debian's package) with no network, as an investigator would."""

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


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


def test_every_image_decodes_with_a_size(page):
    sizes = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert sizes, "the report has no figure"
    assert all(done and w > 0 and h > 0 for done, w, h in sizes)


def test_every_toc_link_lands_on_its_section(page):
    targets = page.eval_on_selector_all("nav#toc a", "as => as.map(a => a.getAttribute('href'))")
    assert len(targets) >= 6
    for href in targets:
        page.click(f'nav#toc a[href="{href}"]')
        top = page.eval_on_selector(f'[id="{href[1:]}"]', "el => el.getBoundingClientRect().top")
        banner = page.eval_on_selector("#synthetic-banner", "el => el.getBoundingClientRect().height")
        assert -1 <= top <= banner + 60, (href, top)
        page.evaluate("window.scrollTo(0, 0)")


def test_synthetic_banner_is_visible_while_scrolling(page):
    assert page.is_visible("#synthetic-banner")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    box = page.eval_on_selector("#synthetic-banner", "el => el.getBoundingClientRect().top")
    assert box == 0
    page.evaluate("window.scrollTo(0, 0)")
