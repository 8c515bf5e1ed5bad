"""Presentation mode's map: one deck per screen height, each with its labels laid out for its zoom and the
room's 20 px type, so no two labels overlap (Parsloes Park and Dagenham East did at 1920×1080)."""

from __future__ import annotations

import json

import pandas as pd
from streamlit.testing.v1 import AppTest

# The map's real labels (svd.maps.labels_frame on the reference data), in their order of priority.
LABELS = pd.DataFrame(
    [
        ("Barking Town Centre", 0.08019, 51.53988, "priority place"),
        ("Dagenham Heathway", 0.14753, 51.54162, "priority place"),
        ("Becontree Station", 0.12735, 51.54034, "priority place"),
        ("Parsloes Park", 0.13283, 51.54375, "priority place"),
        ("Mayesbrook Park", 0.10898, 51.54494, "priority place"),
        ("Dagenham East", 0.16598, 51.54416, "station"),
        ("Upney", 0.10156, 51.53835, "station"),
        ("Barking Riverside", 0.11477, 51.51911, "station"),
        ("Dagenham Dock", 0.14503, 51.52629, "station"),
    ],
    columns=["name", "lon", "lat", "kind"],
)


def _room_maps(rows: list[dict]):
    import json

    import pandas as pd
    import streamlit as st

    from svd import maps
    from ui import present

    st.session_state[present.KEY] = True
    deck = maps.hotspot_deck([], {}, None, maps.place_labels(pd.DataFrame(rows)))
    out = {}
    for room_height in (present.MAP_HEIGHT, present.MAP_HEIGHT_SHORT):
        room, height = present.map_for_room(deck, 560, room_height)
        text = next(layer for layer in room.layers if layer.type == "TextLayer")
        out[height] = {"zoom": room.initial_view_state.zoom, "size": text.get_size, "labels": text.data}
    normal = next(layer for layer in deck.layers if layer.type == "TextLayer")
    out["normal"] = {"size": normal.get_size, "labels": normal.data}
    st.code(json.dumps(out))


def _overlapping(labels: list[dict], zoom: float, size: float) -> list[tuple[str, str]]:
    from svd import maps

    frame = pd.DataFrame(labels)
    boxes = maps.label_boxes(frame, zoom=zoom, size=size)
    names = frame["name"].tolist()
    return [
        (names[i], names[j])
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if boxes[i][0] < boxes[j][2]
        and boxes[j][0] < boxes[i][2]
        and boxes[i][1] < boxes[j][3]
        and boxes[j][1] < boxes[i][3]
    ]


def test_room_maps_have_20px_labels_that_do_not_overlap_and_leave_the_desk_map_alone():
    from svd import maps
    from ui import present

    at = AppTest.from_function(_room_maps, kwargs={"rows": LABELS.to_dict(orient="records")}).run()
    assert not at.exception, at.exception
    out = json.loads(at.code[0].value)
    assert set(out) == {str(present.MAP_HEIGHT), str(present.MAP_HEIGHT_SHORT), "normal"}
    for height in (present.MAP_HEIGHT, present.MAP_HEIGHT_SHORT):
        room = out[str(height)]
        assert room["size"] == present.MAP_LABEL_SIZE
        assert room["labels"], height
        assert _overlapping(room["labels"], room["zoom"], present.MAP_LABEL_SIZE) == [], height
        # The priority places come first: a station gives way to them, never the reverse.
        assert [r["name"] for r in room["labels"]][:2] == ["Barking Town Centre", "Dagenham Heathway"]
    assert out["normal"]["size"] == maps.LABEL_SIZE
    assert _overlapping(out["normal"]["labels"], maps.VIEW["zoom"], maps.LABEL_SIZE) == []


def test_the_short_screens_map_fits_under_the_headline_at_1280x720():
    from ui import present

    # 1280×720: the map starts ~270 px down (title and a four-line headline, the count line under the map).
    assert present.MAP_HEIGHT_SHORT + 270 <= 720 - 30
    assert str(present.SHORT_SCREEN_PX) in present.CSS and ".st-key-svd-room-map-tall" in present.CSS
