"""The shareable link keeps the page and replaces the query string with the current filters."""

from ui.share import view_url


def test_view_url_replaces_query_and_sorts_params():
    url = view_url(
        "http://127.0.0.1:8501/hotspots?old=1#x", {"wards": "E05014053", "period": "2025-01..2025-12"}
    )
    assert url == "http://127.0.0.1:8501/hotspots?period=2025-01..2025-12&wards=E05014053"


def test_view_url_without_params():
    assert view_url("http://127.0.0.1:8501/", {}) == "http://127.0.0.1:8501/"


# --- the link carries the full state of the page (AppTest; the browser test does the same in Chromium) -------

from urllib.parse import parse_qsl, urlsplit  # noqa: E402

import pytest  # noqa: E402

# view → the page's own widget changes (kind, key, value), made after the sidebar months change
CHANGES = {
    "overview.py": [],
    "hotspots.py": [
        ("radio", "hs_level", "lsoa"),
        ("radio", "hs_measure", "rate_per_1000"),
        ("selectbox", "hs_da", "Only flagged"),
    ],
    "temporal.py": [("selectbox", "tp_da", "Only flagged"), ("selectbox", "tp_place", "barking_town_centre")],
    "domestic_abuse.py": [("radio", "da_map_level", "lsoa")],
    "sexual_offences.py": [("radio", "so_rank_offence", "Rape"), ("toggle", "so_exclude_historical", False)],
    "knife_crime_robbery.py": [("select_slider", "kr_radius", 800)],
}


def _view(at) -> tuple:
    """The figures a reader compares: headline sentences, tile labels and values, captions."""
    return (
        [m.value for m in at.markdown if "svd-headline" in m.value],
        [(m.label, m.value) for m in at.metric],
        [c.value for c in at.caption if "Whoever opens this address" not in c.value],
    )


@pytest.mark.realdata
@pytest.mark.parametrize("view", list(CHANGES))
def test_the_copied_link_reopens_the_same_view(view):
    from streamlit.testing.v1 import AppTest

    from tests.pagetest import APP, open_page

    at = open_page(view)
    default = _view(at)
    at.select_slider(key="period").set_value(("2024-07", "2025-06")).run()
    for kind, key, value in CHANGES[view]:
        getattr(at, kind)(key=key).set_value(value).run()
        assert not at.exception, [e.message for e in at.exception]
    shown = _view(at)
    assert shown != default
    link = at.code[-1].value
    params = dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))
    # Every bound widget is in the link, defaults included (so a later change of default cannot change the view).
    assert params["period"] == "2024-07..2025-06" and "wards" in params
    for _, key, value in CHANGES[view]:
        assert params[key] == ({True: "1", False: "0"}[value] if isinstance(value, bool) else str(value))
    fresh = AppTest.from_file(APP, default_timeout=180)
    for k, v in params.items():
        fresh.query_params[k] = v
    fresh.run()
    fresh.switch_page(f"views/{view}")
    fresh.run()
    assert not fresh.exception, [e.message for e in fresh.exception]
    assert _view(fresh) == shown
