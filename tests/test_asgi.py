"""ui.asgi: every page's HTML tells Streamlit's frontend its server's address and carries a loading message;
nothing else is touched."""

from __future__ import annotations

import asyncio

from ui import asgi

HTML = (
    b"<!doctype html><html><head><meta charset='utf-8'><script src='./static/js/index.js'></script></head>"
    b'<body><div id="root"></div></body></html>'
)


def test_the_script_comes_first_in_the_head():
    out = asgi.inject(HTML, "/")
    head = out.index(b"<head>") + len(b"<head>")
    assert out[head:].startswith(asgi.script_tag("/"))
    assert out.index(asgi.script_tag("/")) < out.index(b"index.js")  # before the frontend reads it
    assert b'BACKEND_BASE_URL:location.origin+"/"' in out
    assert asgi.inject(out, "/") == out  # once only
    assert asgi.inject(b"no head here", "/") == b"no head here"


def test_the_loading_message_is_in_the_page_before_the_app_and_hidden_by_css_once_the_app_draws():
    out = asgi.inject(HTML, "/")
    body = out.index(b"<body>") + len(b"<body>")
    assert out[body:].startswith(asgi.boot_message())
    assert out.index(asgi.BOOT_MESSAGE.encode()) < out.index(b'id="root"')
    assert b'role="status"' in asgi.boot_message()
    # Hidden by a rule on the app's own elements, not by a script: it needs none of the frontend's code to go.
    assert b"<script" not in asgi.boot_message()
    assert b'[data-testid="stElementContainer"]' in asgi.boot_message()
    assert out.count(asgi.boot_message()) == 1 and asgi.inject(out, "/") == out
    assert asgi.inject(b"<html><head></head></html>", "/").count(asgi.BOOT_MESSAGE.encode()) == 0  # no body


def test_only_page_paths_are_edited():
    for path in ("/", "/hotspots", "/knife-crime-robbery"):
        assert asgi.PAGE_PATH.match(path), path
    for path in (
        "/_stcore/health",
        "/hotspots/_stcore/health",
        "/static/js/index.js",
        "/favicon.png",
        "/media/x",
    ):
        assert not asgi.PAGE_PATH.match(path), path


def _serve(path: str, body: bytes, content_type: bytes, method: str = "GET"):
    """Run the middleware around a one-response app; return (start message, body, request headers seen)."""
    seen: dict = {}

    async def app(scope, receive, send):
        seen["headers"] = scope["headers"]
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())],
            }
        )
        half = len(body) // 2
        await send({"type": "http.response.body", "body": body[:half], "more_body": True})
        await send({"type": "http.response.body", "body": body[half:]})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    scope = {"type": "http", "method": method, "path": path, "headers": [(b"accept-encoding", b"gzip")]}
    asyncio.run(asgi.BaseUrlScript(app)(scope, receive, send))
    start = sent[0]
    return start, b"".join(m.get("body", b"") for m in sent[1:]), seen["headers"]


def test_a_page_gets_the_script_with_a_right_length_and_uncompressed():
    start, body, request_headers = _serve("/hotspots", HTML, b"text/html; charset=utf-8")
    assert asgi.script_tag("/") in body and asgi.boot_message() in body
    assert dict(start["headers"])[b"content-length"] == str(len(body)).encode()
    assert all(k != b"accept-encoding" for k, _ in request_headers)


def test_other_responses_pass_unchanged():
    start, body, request_headers = _serve("/static/js/index.js", b"console.log(1)", b"text/javascript")
    assert body == b"console.log(1)" and (b"accept-encoding", b"gzip") in request_headers
    _, body, _ = _serve("/hotspots", HTML, b"text/html", method="HEAD")
    assert body == HTML
