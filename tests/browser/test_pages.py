"""Page menu and direct page URLs, on a server that no session has visited yet."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, screenshot
from tests.browser.server import running_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fresh_url():
    with running_app(ARTIFACTS / "streamlit-fresh.log") as url:
        yield url


def test_first_visit_to_methods_page_has_menu(page, fresh_url):
    page.goto(fresh_url + "/methods")
    page.wait_for_selector(".js-plotly-plot", timeout=90_000)
    sidebar = page.locator("[data-testid=stSidebar]")

    assert page.title() == "toyopt: multi-task descent"
    assert sidebar.get_by_role("link", name="Playground").count() == 1
    assert sidebar.get_by_role("link", name="How the methods work").count() == 1
    screenshot(page, "methods-page")

    sidebar.get_by_role("link", name="Playground").click()
    page.wait_for_selector(".toyopt-root[data-ready=true]", timeout=90_000)
    assert "starts=" in page.url
