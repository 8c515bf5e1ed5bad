"""The pages' HTML as served: where the server is, and a loading message before the frontend has started.

Opened at ``/hotspots`` (a link, a bookmark, a reload), Streamlit's frontend does not know whether the app is
served at ``/`` or under ``/hotspots``: it asks ``/hotspots/_stcore/health`` and ``/hotspots/_stcore/host-config``
first (two 404s in the console on every direct page load), then ``/``. The frontend reads its server's address
from ``window.__streamlit.BACKEND_BASE_URL`` when the page sets it before the frontend starts: ``BaseUrlScript``
writes that into every page's HTML, so the frontend asks the right address first.

Streamlit's frontend takes ~0.8 s on this project's machine to draw an app's first element (its scripts are parsed
and run, then it connects and the script runs): until then the page is blank. ``boot_message`` is plain HTML in the
page itself, drawn as soon as the page arrives, and hidden by CSS alone once the app has drawn its first element
(or Streamlit shows a dialog, such as its connection error), so it needs none of the frontend's scripts.
"""

from __future__ import annotations

import re

# A page's address: not Streamlit's own endpoints (also under a page, as the frontend probes them), nor a file.
PAGE_PATH = re.compile(r"^/(?!(?:[^/]*/)*_stcore/|static/|media/|component/|app/static/)[^.]*$")


def base_url_path() -> str:
    """The app's path on its server ('/' or '/<server.baseUrlPath>/')."""
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/" if base else "/"


def script_tag(base: str) -> bytes:
    """The inline script that gives the frontend its server's address (before the frontend's own scripts)."""
    return (
        "<script>window.__streamlit=Object.assign({},window.__streamlit,"
        f'{{BACKEND_BASE_URL:location.origin+"{base}"}});</script>'
    ).encode()


BOOT_MESSAGE = "Loading the dashboard…"

# Where and as the app's own first line ("Loading the data…") will appear in the main area (Streamlit's wide layout
# pads it 6rem from the top and 5rem from the sides; 1rem on a phone), so one message follows the other in place.
# Hidden once the main area holds an element or a dialog is open (``:has``: Chromium 105, Firefox 121, Safari 15.4;
# an older browser keeps the message behind the app, which is harmless). No background, below Streamlit's layers
# and not clickable: it can never hide or block anything the frontend draws.
_BOOT_STYLE = (
    "#svd-boot{position:fixed;top:0;left:0;right:0;padding:6rem 5rem 0;pointer-events:none;z-index:0;"
    "font:700 1rem/1.6 'Source Sans',system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#0b0c0c}"
    "@media (max-width:640px){#svd-boot{padding:4.5rem 1rem 0}}"
    'body:has([data-testid="stMain"] [data-testid="stElementContainer"],[role="dialog"],'
    '[data-testid="stDialog"]) #svd-boot{display:none}'
)


def boot_message() -> bytes:
    """The page's own loading message: an HTML status line shown until the app draws (see the module's docstring)."""
    return (
        f'<style>{_BOOT_STYLE}</style><div id="svd-boot" role="status" aria-live="polite">{BOOT_MESSAGE}</div>'
    ).encode()


def inject(html: bytes, base: str = "/") -> bytes:
    """``html`` with ``script_tag`` first in its head and ``boot_message`` first in its body (each part only where
    the page has the element and does not have the part yet)."""
    for pattern, part in ((rb"<head[^>]*>", script_tag(base)), (rb"<body[^>]*>", boot_message())):
        found = re.search(pattern, html, re.IGNORECASE)
        if part not in html and found is not None:
            html = html[: found.end()] + part + html[found.end() :]
    return html


class BaseUrlScript:
    """ASGI middleware: pages' HTML (GET of a page path) carries ``script_tag`` and ``boot_message``; everything
    else passes as is."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or not PAGE_PATH.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        # The page's HTML uncompressed (a couple of kilobytes), so that it can be edited on the way out.
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]}
        start: dict | None = None
        chunks: list[bytes] = []

        async def edited(message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = list(start.get("headers", []))
            kind = next((v for k, v in headers if k.lower() == b"content-type"), b"")
            if start.get("status") == 200 and kind.startswith(b"text/html"):
                body = inject(body, base_url_path())
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, edited)
