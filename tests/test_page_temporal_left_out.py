"""Days and times under a weighted measure names the offence types left out (no published weight) once."""

import pytest

from svd import harm
from tests.pagetest import open_page

pytestmark = pytest.mark.realdata


@pytest.mark.parametrize("measure_id", [m for m in harm.offered()[0] if m != "count"])
def test_left_out_offence_types_are_named_once(measure_id):
    at = open_page("temporal.py")
    at.radio(key="tp_weighting").set_value(measure_id).run()
    assert not at.exception, [e.message for e in at.exception]
    texts = [c.value for c in at.caption] + [m.value for m in at.markdown]
    named = [t for t in texts if "Left out (no published weight" in t]
    assert len(named) <= 1, named
    if named:
        assert named[0].count("Left out (no published weight") == 1, named[0]
        # The weighted tile is the heatmap's own share (the same offence types), not "—".
        label = harm.title("15:00–21:00 share, current filters", measure_id)
        tile = next(m for m in at.metric if m.label == label)
        assert tile.value != "—", tile.value
