"""The playground in real headless Chromium against the running app."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

READY = ".toyopt-root[data-ready=true]"
PAGE_TIMEOUT_MS = 90_000


def open_app(page, url: str, params: dict[str, str] | None = None) -> None:
    target = url + "/" + ("?" + urlencode(params) if params else "")
    page.goto(target)
    page.wait_for_selector(READY, timeout=PAGE_TIMEOUT_MS)


def query(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def wait_for_query(page, key: str, predicate, timeout_s: float = 30.0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = query(page).get(key, "")
        if predicate(value):
            return value
        page.wait_for_timeout(200)
    raise AssertionError(f"URL parameter {key} never matched; last value {query(page).get(key)!r}")


def shape_anchors(page) -> list[list[float]]:
    return page.evaluate(
        """() => document.querySelector('.toyopt-param').layout.shapes
              .map((s) => [s.xanchor, s.yanchor])"""
    )


def path_start(page, view: str, method: str, start: int) -> list[float]:
    """First point of a drawn path: the start it was computed from."""
    return page.evaluate(
        """([view, method, start]) => {
            const trace = document.querySelector(view).data.find(
                (t) => t.meta && t.meta.method === method && t.meta.start === start);
            return trace ? [trace.x[0], trace.y[0], trace.x.length] : null;
        }""",
        [view, method, start],
    )


def test_default_page_shows_three_starts(page, app_url):
    open_app(page, app_url)

    anchors = shape_anchors(page)

    assert anchors == [[-8.5, 7.5], [-8.5, -5.0], [9.0, 9.0]]
    assert page.locator(".toyopt-counter").inner_text() == "step 100,000 / 100,000"
    assert page.errors == []
    screenshot(page, "default-figure1")


def test_drag_moves_start_and_path(page, app_url):
    open_app(page, app_url)
    before_url = query(page)["starts"]
    before_path = path_start(page, ".toyopt-param", "cagrad", 1)

    handle = page.locator(".toyopt-param .shapelayer path").nth(1)
    box = handle.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.wait_for_timeout(150)  # Plotly arms a shape drag only after a hover
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(cx + 6 * i, cy - 4 * i)
    page.mouse.up()

    after_url = wait_for_query(page, "starts", lambda v: v != before_url)
    page.wait_for_selector(".toyopt-root[data-revision='1']", timeout=30_000)
    moved = [float(v) for v in after_url.split(";")[1].split(",")]
    after_path = path_start(page, ".toyopt-param", "cagrad", 1)

    assert after_url.split(";")[0] == before_url.split(";")[0]
    assert after_url.split(";")[2] == before_url.split(";")[2]
    assert moved[0] > -8.5
    assert moved[1] > -5.0
    assert before_path[:2] == [-8.5, -5.0]
    assert after_path[:2] == pytest.approx(moved, abs=1e-6)
    screenshot(page, "after-drag")
