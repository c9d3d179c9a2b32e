"""Fixtures that start the real app and drive it in Debian's headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.server import ROOT, launch_chromium, running_app

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """The URL of the app, started once for the whole browser session."""
    with running_app(ARTIFACTS / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = launch_chromium(playwright)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A fresh tab; uncaught page errors are collected in page.errors."""
    context = browser.new_context(viewport={"width": 1500, "height": 1200})
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    yield tab
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
