"""Value-axis labels of the horizontal bar charts are thinned before they touch (presentation mode at 1280×720:
"70" ran into "80" on the victim-sex chart)."""

import pandas as pd

from svd import charts


def test_bar_chart_value_axis_keeps_labels_apart():
    frame = pd.DataFrame({"label": ["Female", "Male", "Not known"], "share": [78.0, 21.0, 1.0]})
    for style in (charts.NORMAL, charts.PRESENT):
        spec = charts.bar_chart(frame, "Victim sex", "test", style=style).to_dict(validate=False)
        axes = [
            layer["encoding"]["x"].get("axis", {})
            for layer in spec["layer"]
            if layer.get("encoding", {}).get("x", {}).get("field") == "value"
        ]
        assert axes and all(a.get("labelSeparation", 0) >= 8 and a.get("labelOverlap", True) for a in axes)
