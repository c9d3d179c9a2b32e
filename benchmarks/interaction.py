"""Time the playground in headless Chromium: page load and drag-to-redraw.

Starts the app on a free 127.0.0.1 port with an empty JAX compilation cache. It
measures page load to the first drawn figure three times: the first visit (cold,
compilation included), a second visit (warm) and the first visit after a server
restart (programs loaded from the persistent cache). It then measures the time
from mouse-up to the dragged start's new path being drawn, over several drags at
Figure 1's settings (100,000 steps, the three starts of the CAGrad paper's
Figure 1).

Run: python benchmarks/interaction.py [--drags N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright

from tests.browser.server import drag, launch_chromium, running_app

READY = ".toyopt-root[data-ready=true]"
NEW_PATH_DRAWN = """([start, x]) => {
    const div = document.querySelector('.toyopt-param');
    const trace = div.data.find((t) => t.meta && t.meta.method === 'cagrad'
                                       && t.meta.start === start);
    return trace && Math.abs(trace.x[0] - x) < 1e-4;
}"""


def time_page_load(browser, url: str) -> float:
    """Seconds from navigation to the playground's first complete drawing."""
    page = browser.new_page(viewport={"width": 1500, "height": 1200})
    began = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(READY, timeout=180_000)
    seconds = time.perf_counter() - began
    page.close()
    return seconds


def time_drags(browser, url: str, drags: int) -> list[float]:
    """Seconds from mouse-up to the moved start's CAGrad path starting at the drop."""
    page = browser.new_page(viewport={"width": 1500, "height": 1200})
    page.goto(url)
    page.wait_for_selector(READY, timeout=180_000)
    times = []
    for i in range(drags):
        start = i % 3
        handle = page.locator(".toyopt-param .shapelayer path").nth(start)
        before = page.evaluate(
            "(s) => document.querySelector('.toyopt-param').layout.shapes[s].xanchor", start
        )
        direction = 1 if before < 0 else -1
        drag(page, handle, direction * (25 + 5 * i), 15)
        began = time.perf_counter()
        # Plotly has moved the shape by the time mouse-up returns; the app rounds the
        # drop to 4 decimals, hence the tolerance in NEW_PATH_DRAWN.
        dropped = page.evaluate(
            "(s) => document.querySelector('.toyopt-param').layout.shapes[s].xanchor", start
        )
        page.wait_for_function(NEW_PATH_DRAWN, arg=[start, dropped], timeout=60_000)
        times.append(time.perf_counter() - began)
        page.wait_for_timeout(300)
    page.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drags", type=int, default=7, help="number of drags to time")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as cache, sync_playwright() as playwright:
        log = Path(cache) / "streamlit.log"
        browser = launch_chromium(playwright)
        with running_app(log, env={"TOYOPT_JAX_CACHE": cache}) as url:
            cold_load = time_page_load(browser, url)
            warm_load = time_page_load(browser, url)
            drags = time_drags(browser, url, args.drags)
        # A restarted server finds its compiled programs in the persistent cache.
        with running_app(log, env={"TOYOPT_JAX_CACHE": cache}) as url:
            restarted_load = time_page_load(browser, url)
        browser.close()

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores")
    print("work: Figure 1 settings, 12 runs x 100,000 steps; drags recompute one start")
    print(f"page load to first figure, first visit (compiles): {cold_load:.2f} s")
    print(f"page load to first figure, second visit:           {warm_load:.2f} s")
    print(f"page load to first figure, restarted server:       {restarted_load:.2f} s")
    print(
        f"mouse-up to new path drawn over {len(drags)} drags: median "
        f"{statistics.median(drags):.3f} s, min {min(drags):.3f} s, max {max(drags):.3f} s"
    )


if __name__ == "__main__":
    main()
