"""Every page with official (MPS) figures names the store's releases they rest on with the figures themselves
(the headline's provenance), not only in the Sources line at the foot of the page."""

from __future__ import annotations

import pytest

from tests.test_store_feed_realdata import release, store  # noqa: F401 — the fixtures

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


def _headline_help(at) -> str:
    return next(m.proto.help for m in at.markdown if '<p class="svd-headline">' in m.value)


@pytest.mark.parametrize(
    "view", ["overview.py", "knife_crime_robbery.py", "sexual_offences.py", "london.py", "border.py"]
)
def test_a_page_that_cites_a_load_in_its_sources_names_it_with_its_figures(release, store, view):  # noqa: F811
    from tests.pagetest import open_page

    path, _, _ = release
    load = store.apply(path, who="a test").load
    at = open_page(view)
    captions = " ".join(c.value for c in at.caption)
    assert f"MPS releases applied in the store: {load.citation()}" in captions
    assert load.citation() in _headline_help(at), view
    if view != "london.py":  # the pages with tiles: each official tile's line names the load too
        assert f"store load {load.id}" in captions, view
