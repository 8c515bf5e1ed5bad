"""Sign-in end to end: a mock OpenID Connect provider, the dashboard with ``[auth]`` in a secrets file, Chromium.

A public visitor (nobody signed in, or signed in with no role) never sees the partnership's records: the
record-level pages are not offered and a link to one opens the Overview, whose record tiles are simulated. A
partner (role claim ``SVD.Partner``) sees the extract applied in the store. The audit log has both sign-ins.
"""

from __future__ import annotations

import os
import secrets
import subprocess

import pytest

from svd import store as store_
from svd.config import definitions_dir, repo_root
from tests.localapp import CHROMIUM, CHROMIUM_ARGS, free_port, need_browser, stop_app, streamlit_command

pytestmark = [pytest.mark.browser, pytest.mark.realdata, pytest.mark.slow]

TEMPLATE = definitions_dir() / "templates" / "incidents_template.csv"
EXTRACT_MARK = "Partnership extract incidents_template.csv"  # the label of records read from the store's load


@pytest.fixture(scope="module")
def provider():
    """The mock identity provider on a free port, with a partner and a person with no role."""
    from oidc_provider_mock import User, run_server_in_thread

    users = [
        User(
            sub="pat", claims={"email": "pat@mps.police.uk", "name": "Pat Partner", "roles": ["SVD.Partner"]}
        ),
        User(sub="pub", claims={"email": "someone@example.com", "name": "Sam Public"}),
    ]
    with run_server_in_thread(port=free_port(), user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def signed_in_app(provider, tmp_path_factory):
    """The dashboard with sign-in configured (a secrets file named on the command line) and a store holding the
    template extract: (base address, store)."""
    import time
    import urllib.request

    need_browser()
    folder = tmp_path_factory.mktemp("signin")
    store = store_.Store(folder / "svd.duckdb")
    store.apply(TEMPLATE, who="ana@council.gov.uk")
    port = free_port()
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "svd-dashboard"\n'
        'client_secret = "not-a-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    env = os.environ | {"SVD_STORE": str(store.path)}
    env.pop("SVD_PUBLIC", None)
    env.pop("SVD_EXTRACT", None)
    proc = subprocess.Popen(
        [*streamlit_command(port), "--secrets.files", str(secrets_file)],
        cwd=repo_root(),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not start")
        yield f"http://127.0.0.1:{port}", store
    finally:
        stop_app(proc)


def _ready(page) -> str:
    """Wait for the page to finish running; its main and sidebar text. (Not its h1: with the 3-row template as
    the extract, the Overview shows a friendly error instead of its tiles, a known limit of tiny extracts.)"""
    page.locator('[data-testid="stSidebarNav"]').first.wait_for(timeout=240_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=240_000
    )
    page.wait_for_timeout(1500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=240_000
    )
    return page.locator('[data-testid="stApp"]').inner_text()


def _nav(page) -> str:
    return page.locator('[data-testid="stSidebarNav"]').inner_text()


def _sign_in(page, base: str, sub: str) -> None:
    page.goto(base)
    _ready(page)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/oauth2/authorize**", timeout=60_000)
    page.locator(f'button[name="sub"][value="{sub}"]').click()
    page.wait_for_url(f"{base}/**", timeout=60_000)


def test_public_never_sees_records_and_a_partner_does(signed_in_app):
    from playwright.sync_api import sync_playwright

    base, store = signed_in_app
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # Nobody signed in: the public dashboard.
            page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
            page.goto(base)
            text = _ready(page)
            assert "public dashboard" in text and EXTRACT_MARK not in text
            nav = _nav(page)
            assert "Overview" in nav and "Domestic abuse" not in nav and "Hotspots" not in nav
            assert "Data and methods" not in nav
            page.goto(f"{base}/domestic-abuse")  # a direct link to a record-level page opens the Overview
            text = _ready(page)
            assert EXTRACT_MARK not in text and "Domestic abuse" not in _nav(page)

            # Signed in with no role claim and not on any allow list: still public.
            page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
            _sign_in(page, base, "pub")
            text = _ready(page)
            assert "Sam Public · Public" in text and EXTRACT_MARK not in text
            assert "Domestic abuse" not in _nav(page)

            # A partner: the record-level pages, built on the store's extract.
            page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
            _sign_in(page, base, "pat")
            text = _ready(page)
            assert "Pat Partner · Partner" in text
            nav = _nav(page)
            assert "Domestic abuse" in nav and "Hotspots" in nav and "Data and methods" not in nav
            page.goto(f"{base}/domestic-abuse")
            text = _ready(page)
            assert EXTRACT_MARK in text, text[:2000]
        finally:
            browser.close()
    log = store.audit_log()
    signins = log[log["action"] == store_.SIGN_IN]
    assert {"someone@example.com", "pat@mps.police.uk"} <= set(signins["who"])
    assert store.verify_audit() == []
