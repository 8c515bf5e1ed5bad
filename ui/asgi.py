"""Telling Streamlit's frontend where its server is, so a page opened directly makes no failing requests.

Opened at ``/hotspots`` (a link, a bookmark, a reload), Streamlit's frontend does not know whether the app is
served at ``/`` or under ``/hotspots``: it asks ``/hotspots/_stcore/health`` and ``/hotspots/_stcore/host-config``
first (two 404s in the console on every direct page load), then ``/``. The frontend reads its server's address
from ``window.__streamlit.BACKEND_BASE_URL`` when the page sets it before the frontend starts: ``BaseUrlScript``
writes that into every page's HTML, so the frontend asks the right address first.
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


def inject(html: bytes, base: str = "/") -> bytes:
    """``html`` with ``script_tag`` first in its head (unchanged when it has no head or already has it)."""
    tag = script_tag(base)
    if tag in html:
        return html
    head = re.search(rb"<head[^>]*>", html, re.IGNORECASE)
    if head is None:
        return html
    return html[: head.end()] + tag + html[head.end() :]


class BaseUrlScript:
    """ASGI middleware: pages' HTML (GET of a page path) carries ``script_tag``; everything else passes as is."""

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
