"""The dashboard on a local port, and the pixel test for a drawn map: shared by the browser tests and the benchmark."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

from svd.config import repo_root

CHROMIUM = "/usr/bin/chromium"
# As root, offline: no sandbox, no GPU, and none of Chromium's background requests to outside hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def need_browser() -> None:
    """Skip the test when Playwright or Debian's Chromium is missing; fail instead when SVD_REQUIRE_BROWSER=1."""
    import os
    from pathlib import Path

    import pytest

    required = os.environ.get("SVD_REQUIRE_BROWSER") == "1"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if required:
            pytest.fail("playwright is not installed and SVD_REQUIRE_BROWSER=1")
        pytest.skip("playwright is not installed")
    if not Path(CHROMIUM).exists():
        if required:
            pytest.fail(f"{CHROMIUM} is missing and SVD_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is missing")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_command(port: int, script: str = "serve.py") -> list[str]:
    """``streamlit run script`` headless on 127.0.0.1:``port``; serve.py is app.py behind ui.asgi's middleware
    (no failing requests on a direct page load) with the caches warmed at start-up."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]


def start_app(port: int, timeout_s: float = 60, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``streamlit run serve.py`` (app.py) on 127.0.0.1:``port`` (``env``: its environment), once its health check answers."""
    proc = subprocess.Popen(
        streamlit_command(port),
        cwd=repo_root(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    return wait_until_answers(proc, f"http://127.0.0.1:{port}/_stcore/health", timeout_s, "streamlit")


def wait_until_answers(
    proc: subprocess.Popen, url: str, timeout_s: float, name: str, poll_s: float = 0.5
) -> subprocess.Popen:
    """``proc`` once ``url`` answers 200; stopped, and a RuntimeError naming ``name``, after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(poll_s)
    stop_app(proc)
    raise RuntimeError(f"{name} did not start")


def stop_app(proc: subprocess.Popen) -> None:
    """Stop the server, killing it if it does not stop within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def pixel_stats(png: bytes) -> tuple[int, float]:
    """(distinct colours, share of non-white pixels) of a PNG screenshot."""
    from PIL import Image

    flat = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    return len(np.unique(flat, axis=0)), float((flat.min(axis=1) < 245).mean())


def looks_drawn(png: bytes) -> bool:
    """A map canvas is drawn, not blank: more than 8 colours and over 5% non-white pixels."""
    distinct, non_white = pixel_stats(png)
    return distinct > 8 and non_white > 0.05


def hover_map_tooltips(
    url: str,
    points: list[tuple[float, float]],
    shot,
    *,
    h1_timeout: int = 60_000,
    idle_timeout: int = 90_000,
    require_drawn: bool = False,
) -> list[dict]:
    """Open ``url`` in headless Chromium at 1440 × 900, hover the first deck.gl map at each of ``points``
    (fractions of its width and height) and return each tooltip shown: its text, HTML, box and the map's box.
    The page is saved to ``shot`` (a path) when the first tooltip shows; ``require_drawn`` asserts first that
    the map's canvas is not blank."""
    from playwright.sync_api import sync_playwright

    found = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_selector("h1", timeout=h1_timeout)
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=idle_timeout
        )
        chart = page.locator("[data-testid='stDeckGlJsonChart']").first
        chart.scroll_into_view_if_needed()
        page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.wait_for(
            state="visible", timeout=60_000
        )
        page.wait_for_timeout(2500)  # deck.gl compiles its shaders in software before the first frame
        if require_drawn:
            assert looks_drawn(chart.screenshot()), "the map's canvas is blank"
        box = chart.bounding_box()
        for fx, fy in points:
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            page.wait_for_timeout(700)
            info = page.evaluate(
                """() => { const t = document.querySelector('.deck-tooltip');
                if (!t || getComputedStyle(t).display === 'none') return null;
                const r = t.getBoundingClientRect();
                return {text: t.innerText, html: t.innerHTML, box: [r.left, r.top, r.right, r.bottom]}; }"""
            )
            if info:
                found.append(
                    {**info, "map": [box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"]]}
                )
                if len(found) == 1:
                    Path(shot).parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shot))
        browser.close()
    return found
