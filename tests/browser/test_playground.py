"""The playground in real headless Chromium against the running app."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from tests.browser.conftest import screenshot
from tests.browser.server import drag

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

    drag(page, page.locator(".toyopt-param .shapelayer path").nth(1), 120, -80)

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


SHARED = {
    "problem": "cagrad-toy",
    "methods": "gd,cagrad",
    "starts": "1.5,2;-3,4",
    "c": "0.25",
    "lr": "0.002",
    "steps": "20000",
    "optimizer": "sgd",
    "rescale": "none",
    "layout": "panels",
    "background": "L1",
}


def test_share_url_restores_every_value(page, app_url):
    open_app(page, app_url, SHARED)

    restored = query(page)
    sidebar = page.locator("[data-testid=stSidebar]")

    assert restored == SHARED
    assert shape_anchors(page)[:2] == [[1.5, 2.0], [-3.0, 4.0]]
    assert path_start(page, ".toyopt-param", "cagrad", 1)[:2] == [-3.0, 4.0]
    assert path_start(page, ".toyopt-param", "mgda", 0) is None
    assert page.locator(".toyopt-counter").inner_text() == "step 20,000 / 20,000"
    assert sidebar.get_by_role("combobox", name="Optimizer").input_value() == "sgd"
    assert sidebar.get_by_role("combobox", name="CAGrad rescale").input_value() == "none"
    assert sidebar.get_by_role("radio", name="One panel per method").is_checked()
    assert sidebar.get_by_role("radio", name="L1").is_checked()
    assert "0.25" in sidebar.inner_text()
    assert "0.002" in sidebar.inner_text()
    assert page.locator(".toyopt-root.toyopt-panels").count() == 1
    assert page.errors == []
    screenshot(page, "shared-url-panels")


def test_play_advances_step_counter(page, app_url):
    open_app(page, app_url)

    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(700)
    first = int(page.locator(".toyopt-root").get_attribute("data-step"))
    page.wait_for_timeout(1500)
    second = int(page.locator(".toyopt-root").get_attribute("data-step"))
    screenshot(page, "animation-midway")
    page.get_by_role("button", name="Pause").click()

    assert 0 < first < 100_000
    assert first < second < 100_000
    assert page.locator(".toyopt-counter").inner_text().startswith("step ")


def test_scrubber_and_step_buttons_move_frames(page, app_url):
    open_app(page, app_url)
    scrubber = page.locator(".toyopt-scrubber")

    scrubber.fill("100")
    at_100 = page.locator(".toyopt-root").get_attribute("data-frame")
    page.get_by_role("button", name="step ▶").click()
    at_101 = page.locator(".toyopt-root").get_attribute("data-frame")
    page.get_by_role("button", name="◀ step").click()
    page.get_by_role("button", name="◀ step").click()
    at_99 = page.locator(".toyopt-root").get_attribute("data-frame")
    drawn = path_start(page, ".toyopt-objective", "gd", 0)[2]

    assert (at_100, at_101, at_99) == ("100", "101", "99")
    assert drawn == 100


TAMPERED = {
    "c": "abc",
    "lr": "1e308",
    "starts": "nan,1;" + "1,1;" * 5000,
    "methods": "gd,evil",
    "steps": "-5",
    "layout": "<script>",
}


def test_tampered_url_shows_messages_and_works(page, app_url):
    open_app(page, app_url, TAMPERED)
    alerts = page.locator("[data-testid=stAlert]").all_inner_texts()
    text = "\n".join(alerts)

    for name in ("c", "lr", "starts", "methods", "steps", "layout"):
        assert name in text, f"no message names {name}"
    assert shape_anchors(page) == [[-8.5, 7.5], [-8.5, -5.0], [9.0, 9.0]]
    assert query(page)["c"] == "0.5"
    screenshot(page, "tampered-url")

    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(800)
    assert int(page.locator(".toyopt-root").get_attribute("data-step")) < 100_000
    assert page.errors == []


def test_double_click_adds_start(page, app_url):
    open_app(page, app_url)
    area = page.locator(".toyopt-param .nsewdrag").first.bounding_box()

    # (0.5, 0.2) of the plot area is empty: x1 = 0, x2 = 6, far from every handle.
    page.mouse.dblclick(area["x"] + 0.5 * area["width"], area["y"] + 0.2 * area["height"])
    starts = wait_for_query(page, "starts", lambda v: v.count(";") == 3)
    added = [float(v) for v in starts.split(";")[3].split(",")]

    assert added[0] == pytest.approx(0.0, abs=0.3)
    assert added[1] == pytest.approx(6.0, abs=0.3)


def test_layout_switch_refits_plot(page, app_url):
    open_app(page, app_url, {"layout": "panels"})

    page.get_by_text("All methods in one panel").click()
    page.wait_for_selector(".toyopt-root:not(.toyopt-panels)[data-ready=true]")
    page.wait_for_timeout(500)
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('.toyopt-param, .toyopt-objective')].map(
            (div) => [div.getBoundingClientRect().width,
                      div.querySelector('.main-svg').getBoundingClientRect().width])"""
    )
    screenshot(page, "layout-switched")

    for container, plot in sizes:
        assert plot <= container + 1


def test_touch_drag_moves_start(browser, app_url):
    context = browser.new_context(viewport={"width": 1200, "height": 1000}, has_touch=True)
    page = context.new_page()
    open_app(page, app_url)
    box = page.locator(".toyopt-param .shapelayer path").nth(1).bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    touch = context.new_cdp_session(page)

    assert min(box["width"], box["height"]) >= 44
    touch.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": cx, "y": cy}]}
    )
    for i in range(1, 16):
        point = {"x": cx + 6 * i, "y": cy - 4 * i}
        touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    starts = wait_for_query(page, "starts", lambda v: v.split(";")[1] != "-8.5,-5")
    moved = [float(v) for v in starts.split(";")[1].split(",")]
    context.close()

    assert moved[0] > -8.5
    assert moved[1] > -5.0


def test_keyboard_steps_animation(page, app_url):
    open_app(page, app_url)
    root = page.locator(".toyopt-root")

    root.focus()
    page.keyboard.press("Home")
    at_start = root.get_attribute("data-frame")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    after_two = root.get_attribute("data-frame")
    page.keyboard.press("End")
    at_end = root.get_attribute("data-step")

    assert at_start == "0"
    assert after_two == "2"
    assert at_end == "100000"


def test_pages_request_only_the_app(browser, app_url):
    context = browser.new_context()
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    open_app(page, app_url)
    page.goto(app_url + "/methods")
    page.wait_for_selector(".js-plotly-plot", timeout=PAGE_TIMEOUT_MS)
    context.close()

    outside = [u for u in requests if not u.startswith((app_url, "data:", "blob:"))]
    assert any(u.endswith("/app/static/plotly.min.js") for u in requests)
    assert outside == []
