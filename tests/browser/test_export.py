"""Exports and configuration upload from the app in real headless Chromium."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ElementTree

import imageio_ffmpeg
import pytest
from PIL import Image

from tests.browser.conftest import screenshot
from tests.browser.test_playground import open_app, query, wait_for_query

pytestmark = pytest.mark.browser

DOWNLOAD_TIMEOUT_MS = 120_000


@pytest.fixture
def export_page(browser, app_url):
    context = browser.new_context(viewport={"width": 1500, "height": 1200}, accept_downloads=True)
    tab = context.new_page()
    open_app(tab, app_url)
    yield tab
    context.close()


def download(page, tab: str, button: str, choose: dict[str, str] | None = None):
    """Open an export tab, pick options by label, click a download button."""
    page.get_by_role("tab", name=tab).click()
    for label, option in (choose or {}).items():
        page.get_by_role("combobox", name=label).click()
        page.get_by_role("option", name=option, exact=True).click()
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as event:
        page.get_by_role("button", name=button).click()
    item = event.value
    return item.suggested_filename, open(item.path(), "rb").read()


def test_png_figure_download(export_page):
    name, data = download(export_page, "Figure", "Download PNG")

    image = Image.open(io.BytesIO(data))
    assert name == (
        "toyopt-cagrad-toy-gd-mgda-pcgrad-cagrad-adam-lr0.001-c0.5-100000steps-figure1-light.png"
    )
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.width > 1000


def test_svg_and_pdf_figure_download(export_page):
    svg_name, svg = download(export_page, "Figure", "Download SVG", {"Format": "svg"})
    pdf_name, pdf = download(export_page, "Figure", "Download PDF", {"Format": "pdf"})

    assert svg_name.endswith(".svg")
    assert ElementTree.fromstring(svg).tag.endswith("svg")
    assert pdf_name.endswith(".pdf")
    assert pdf.startswith(b"%PDF")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_gif_animation_download(export_page):
    name, data = download(export_page, "Animation", "Download GIF")

    gif = Image.open(io.BytesIO(data))
    assert name.endswith(".gif")
    assert data[:6] == b"GIF89a"
    assert gif.n_frames == 200
    assert gif.size == (800, 600)


def test_mp4_animation_download(export_page, tmp_path):
    name, data = download(export_page, "Animation", "Download MP4", {"Animation format": "mp4"})
    path = tmp_path / name
    path.write_bytes(data)

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    frames = sum(1 for _ in reader)
    assert data[4:8] == b"ftyp"
    assert tuple(meta["size"]) == (800, 600)
    assert frames == 200


def test_data_downloads_match_run(export_page):
    _, csv = download(export_page, "Data and configuration", "Trajectories (CSV)")
    _, text = download(export_page, "Data and configuration", "Trajectories (JSON)")
    _, config = download(export_page, "Data and configuration", "Save configuration")
    result = json.loads(text)

    assert csv.decode().splitlines()[0] == "method,start_index,step,x1,x2,L1,L2,L0"
    assert [run["method"] for run in result["runs"]][::3] == ["gd", "mgda", "pcgrad", "cagrad"]
    assert result["runs"][-1]["final"]["step"] == 100_000
    assert json.loads(config)["format"] == "toyopt-config"
    assert json.loads(config)["config"]["c"] == 0.5


def upload(page, name: str, content: bytes) -> None:
    page.locator("[data-testid=stSidebar] input[type=file]").set_input_files(
        {"name": name, "mimeType": "application/json", "buffer": content}
    )


def test_config_upload_restores_settings(export_page):
    config = {
        "format": "toyopt-config",
        "version": 1,
        "config": {
            "problem": "cagrad-toy",
            "methods": ["mgda", "cagrad"],
            "starts": [[2.0, 3.0]],
            "optimizer": "sgd",
            "lr": 0.01,
            "steps": 5000,
            "c": 0.75,
            "rescale": "none",
            "record_every": 10,
        },
    }

    upload(export_page, "lesson.toyopt.json", json.dumps(config).encode())
    wait_for_query(export_page, "c", lambda value: value == "0.75")
    export_page.wait_for_selector(".toyopt-root[data-ready=true]")
    params = query(export_page)

    assert params["methods"] == "mgda,cagrad"
    assert params["starts"] == "2,3"
    assert params["optimizer"] == "sgd"
    assert params["steps"] == "5000"
    assert export_page.get_by_text("Loaded 'lesson.toyopt.json'").count() == 1
    screenshot(export_page, "config-uploaded")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "not loaded"),
        (b'{"name": "some other tool"}', "not loaded"),
        (b'{"format": "toyopt-config", "version": 1, "config": {"c": "__import__"}}', "c"),
        (b'{"format": "toyopt-config", "version": 1, "config": {"lr": 10}}', "command line"),
    ],
)
def test_bad_config_upload_keeps_settings(export_page, content, expected):
    before = query(export_page)

    upload(export_page, "bad.json", content)
    alert = export_page.locator("[data-testid=stAlert]").filter(has_text="was not loaded")
    alert.wait_for(timeout=30_000)

    assert expected in alert.inner_text()
    assert query(export_page) == before
