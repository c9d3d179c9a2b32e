"""The playground's state logic under Streamlit's AppTest, without a browser."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_support import fire_event, payload
from toyopt.config import APP_LIMITS
from toyopt_app import state

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT_S = 120
PAPER_STARTS = [[-8.5, 7.5], [-8.5, -5.0], [9.0, 9.0]]


def open_app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def url(at: AppTest) -> dict[str, str]:
    return {key: at.query_params[key] for key in at.query_params}


@pytest.fixture(scope="module")
def default_app() -> AppTest:
    return open_app()


def test_default_page_is_figure1(default_app):
    data = payload(default_app)

    assert not default_app.exception
    assert data["starts"] == PAPER_STARTS
    assert [m["key"] for m in data["methods"]] == ["gd", "mgda", "pcgrad", "cagrad"]
    assert data["total_steps"] == 100_000
    assert len(data["runs"]) == 12
    assert data["steps"][-1] == 100_000


def test_default_page_cagrad_reaches_minimum(default_app):
    data = payload(default_app)
    cagrad = data["methods"].index(next(m for m in data["methods"] if m["key"] == "cagrad"))

    for run in data["runs"]:
        if run["method"] == cagrad:
            end = (run["x"][-1], run["y"][-1])
            assert math.dist(end, (0.0, -8.3551)) < 1e-2


def test_default_url_holds_whole_state(default_app):
    params = url(default_app)

    assert params["methods"] == "gd,mgda,pcgrad,cagrad"
    assert params["starts"] == "-8.5,7.5;-8.5,-5;9,9"
    assert params["c"] == "0.5"
    assert params["lr"] == "0.001"
    assert params["steps"] == "100000"
    assert params["optimizer"] == "adam"
    assert params["rescale"] == "1+c"


def test_drop_moves_only_that_start():
    at = open_app()

    fire_event(at, "drop", {"index": 1, "x": 2.5, "y": -3.25})
    data = payload(at)

    assert not at.exception
    assert data["starts"] == [[-8.5, 7.5], [2.5, -3.25], [9.0, 9.0]]
    assert url(at)["starts"] == "-8.5,7.5;2.5,-3.25;9,9"
    assert data["revision"] == 1
    moved = [r for r in data["runs"] if r["start"] == 1]
    unmoved = [r for r in data["runs"] if r["start"] == 0]
    assert all((r["x"][0], r["y"][0]) == (2.5, -3.25) for r in moved)
    assert all((r["x"][0], r["y"][0]) == (-8.5, 7.5) for r in unmoved)


def test_drop_outside_domain_is_clamped():
    at = open_app()

    fire_event(at, "drop", {"index": 0, "x": 25.0, "y": -40.0})

    assert payload(at)["starts"][0] == [10.0, -10.0]


@pytest.mark.parametrize(
    "event",
    [
        {"index": 7, "x": 1.0, "y": 1.0},
        {"index": -1, "x": 1.0, "y": 1.0},
        {"index": 0, "x": "NaN", "y": 1.0},
        {"index": 0, "x": 1e400, "y": 1.0},
        {"index": "0", "x": 1.0, "y": 1.0},
        {"x": 1.0},
        "not an object",
        None,
    ],
)
def test_malformed_drop_is_ignored(event):
    at = open_app()

    fire_event(at, "drop", event)

    assert not at.exception
    assert payload(at)["starts"] == PAPER_STARTS


def test_double_click_adds_start():
    at = open_app()

    fire_event(at, "add", {"x": -1.25, "y": 6.5})

    assert payload(at)["starts"][-1] == [-1.25, 6.5]
    assert url(at)["starts"].endswith(";-1.25,6.5")


def test_add_button_stops_at_limit():
    at = open_app()

    for _ in range(APP_LIMITS.max_starts + 2):
        next(b for b in at.button if b.label == "Add start").click().run()

    assert len(payload(at)["starts"]) == APP_LIMITS.max_starts
    assert any("At most" in w.value for w in at.warning)
    assert len(payload(at)["runs"]) == 4 * APP_LIMITS.max_starts


def test_remove_and_reset_starts():
    at = open_app()

    next(b for b in at.button if b.label.startswith("Remove 2")).click().run()
    after_remove = payload(at)["starts"]
    next(b for b in at.button if b.label == "Reset to the paper's starts").click().run()

    assert after_remove == [[-8.5, 7.5], [9.0, 9.0]]
    assert payload(at)["starts"] == PAPER_STARTS


def test_last_start_cannot_be_removed():
    at = open_app({"starts": "1,1"})

    next(b for b in at.button if b.label.startswith("Remove 1")).click().run()

    assert payload(at)["starts"] == [[1.0, 1.0]]
    assert any("at least one start" in w.value for w in at.warning)


SHARED = {
    "problem": "cagrad-toy",
    "methods": "mgda,cagrad",
    "starts": "1.5,2;-3,4;0,-9",
    "c": "0.25",
    "lr": "0.002",
    "steps": "20000",
    "optimizer": "rmsprop",
    "rescale": "1+c^2",
    "layout": "panels",
    "background": "L2",
}


def test_share_url_round_trip():
    at = open_app(SHARED)
    data = payload(at)

    assert url(at) == SHARED
    assert at.session_state["c"] == 0.25
    assert at.session_state["lr"] == 0.002
    assert at.session_state["optimizer"] == "rmsprop"
    assert data["starts"] == [[1.5, 2.0], [-3.0, 4.0], [0.0, -9.0]]
    assert [m["key"] for m in data["methods"]] == ["mgda", "cagrad"]
    assert data["layout"] == "panels"
    assert data["background"]["loss"] == "L2"
    assert data["total_steps"] == 20_000


def test_widget_change_updates_url():
    at = open_app()

    at.select_slider(key="c").set_value(0.8).run()
    at.selectbox(key="optimizer").set_value("sgd").run()

    assert url(at)["c"] == "0.8"
    assert url(at)["optimizer"] == "sgd"


def test_paper_settings_button_restores_defaults():
    at = open_app(SHARED)

    next(b for b in at.button if b.label.startswith("Paper settings")).click().run()
    params = url(at)

    assert params["c"] == "0.5"
    assert params["starts"] == "-8.5,7.5;-8.5,-5;9,9"
    assert params["optimizer"] == "adam"
    assert params["layout"] == "panels"


TAMPERED = {
    "c": "abc",
    "lr": "nan",
    "steps": "1e308",
    "starts": ";".join(["1,1"] * 5000),
    "methods": "gd,unknown",
    "optimizer": "__import__('os')",
    "rescale": "2",
    "background": "L9",
}


def test_tampered_url_falls_back_with_messages():
    at = open_app(TAMPERED)
    messages = "\n".join(w.value for w in at.warning)
    params = url(at)

    assert not at.exception
    for name in TAMPERED:
        assert name in messages, f"no message names {name}"
    assert params["c"] == "0.5"
    assert params["lr"] == "0.001"
    assert params["steps"] == "100000"
    assert params["starts"] == "-8.5,7.5;-8.5,-5;9,9"
    assert params["optimizer"] == "adam"
    assert payload(at)["background"]["loss"] == "L0"


def test_no_methods_selected_shows_hint():
    at = open_app()

    at.multiselect(key="methods").set_value([]).run()

    assert not at.exception
    assert any("Pick at least one method" in i.value for i in at.info)
    assert url(at)["methods"] == "gd,mgda,pcgrad,cagrad"


def test_state_drop_rounds_and_clamps():
    session = {"problem": "cagrad-toy", "starts": [(0.0, 0.0), (1.0, 1.0)]}

    changed = state.apply_drop(session, {"index": 1, "x": 3.123456789, "y": 99.0})

    assert changed
    assert session["starts"] == [(0.0, 0.0), (3.1235, 10.0)]


def test_state_add_skips_used_candidates():
    first = state.FRESH_START_CANDIDATES[0]
    session = {"problem": "cagrad-toy", "starts": [first]}

    state.add_start(session)

    assert session["starts"] == [first, state.FRESH_START_CANDIDATES[1]]


def test_methods_page_explains_conflict():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S).run()
    at.switch_page("pages/methods.py").run()
    table = at.dataframe[0].value

    assert not at.exception
    assert any("conflict" in w.value for w in at.warning)
    assert list(table["method"]) == ["GD (mean gradient)", "MGDA", "PCGrad", "CAGrad"]
    # MGDA and CAGrad (c < 1) never make a task worse to first order.
    for method in ("MGDA", "CAGrad"):
        row = table[table["method"] == method].iloc[0]
        assert row["g1 . d (task 1 decrease rate)"] >= 0
        assert row["g2 . d (task 2 decrease rate)"] >= 0


def test_link_markdown_is_shown_literally():
    at = open_app({"layout": "[click me](http://evil.example)", "optimizer": "**bold**"})
    messages = [w.value for w in at.warning]

    assert len(messages) == 2
    for message in messages:
        assert "](" not in message
        assert "**" not in message
    assert any(r"\]\(http\:" in m for m in messages)


def test_repeated_view_key_is_reported():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.query_params["layout"] = ["panels", "overlay"]
    at.run()

    assert any("layout given 2 times" in w.value for w in at.warning)
    assert payload(at)["layout"] == "overlay"


def test_escape_markdown_keeps_text():
    from toyopt_app.text import escape_markdown

    assert escape_markdown("a_b*c [x](y) $z$ :smile:") == (r"a\_b\*c \[x\]\(y\) \$z\$ \:smile\:")


def test_run_leaving_plot_is_reported():
    at = open_app({"optimizer": "momentum", "lr": "0.1", "steps": "20000"})
    messages = [w.value for w in at.warning if "left the plotted region" in w.value]

    assert not at.exception
    assert len(messages) == 1
    assert "CAGrad from start 3" in messages[0]
    assert "lower the learning rate" in messages[0]


def test_default_runs_stay_in_plot(default_app):
    assert not [w for w in default_app.warning if "left the plotted region" in w.value]
