"""The shareable link keeps the page and replaces the query string with the current filters."""

from ui.share import view_url


def test_view_url_replaces_query_and_sorts_params():
    url = view_url(
        "http://127.0.0.1:8501/hotspots?old=1#x", {"wards": "E05014053", "period": "2025-01..2025-12"}
    )
    assert url == "http://127.0.0.1:8501/hotspots?period=2025-01..2025-12&wards=E05014053"


def test_view_url_without_params():
    assert view_url("http://127.0.0.1:8501/", {}) == "http://127.0.0.1:8501/"
