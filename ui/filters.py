"""The shared filters, defined once, each bound to the URL query string so a copied link reopens the view."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any

import pandas as pd
import streamlit as st

from svd import public
from svd.filters import PRIORITY_WINDOW, WEEKDAYS, RecordFilter
from ui import share

TIME_WINDOWS = {
    "15:00 to 21:00 (the strategy's priority window)": PRIORITY_WINDOW,
    "All hours": None,
    "06:00 to 09:00 (morning school run)": (6, 9),
    "12:00 to 14:00 (lunchtime)": (12, 14),
    "15:00 to 19:00 (after school, 'Lost Hours')": (15, 19),
    "21:00 to 06:00 (night)": (21, 6),
}
# What the select box shows: short enough for the Hotspots filter column at 1440 px (the option, which is what
# a link holds, keeps its full name; the help text gives it).
TIME_WINDOW_SHORT = {
    "15:00 to 21:00 (the strategy's priority window)": "15:00 to 21:00 (priority window)",
    "06:00 to 09:00 (morning school run)": "06:00 to 09:00 (school run)",
    "15:00 to 19:00 (after school, 'Lost Hours')": "15:00 to 19:00 (Lost Hours)",
}


def bound(
    widget: Callable[..., Any],
    key: str,
    default: Any,
    encode: Callable[[Any], str],
    decode: Callable[[str], Any],
    **kwargs: Any,
) -> Any:
    """Render ``widget`` with its state seeded from, and written back to, the query string.

    The one way a widget that changes a view is drawn: its value also goes to ``ui.share`` so the copied link
    carries the full state of the page (the address bar keeps only values that differ from the defaults).
    """
    if key not in st.session_state:
        raw = st.query_params.get(key)
        try:
            st.session_state[key] = decode(raw) if raw is not None else default
        except (ValueError, KeyError, IndexError):
            st.session_state[key] = default  # a hand-edited link with a bad value falls back quietly
    value = widget(key=key, **kwargs)
    share.remember(key, encode(value))
    if encode(value) == encode(default):
        if key in st.query_params:
            del st.query_params[key]
    else:
        st.query_params[key] = encode(value)
    return value


_bound = bound  # the name the views used before it was public


def _text(option: Any) -> str:
    """An option as it is written in the address ("" for None)."""
    return "" if option is None else str(option)


def choice(widget: Callable[..., Any], key: str, options: Sequence[Any], default: Any, **kwargs: Any) -> Any:
    """A one-of-``options`` widget (radio, selectbox, select_slider, segmented control) bound to the address."""
    by_text = {_text(o): o for o in options}

    def decode(raw: str) -> Any:
        if raw not in by_text:
            raise ValueError(raw)
        return by_text[raw]

    return bound(widget, key, default, _text, decode, options=list(options), **kwargs)


SERIOUS_VIOLENCE_HELP = (
    "Preset to serious violence: the London definition's offence types (homicide, GBH, ABH, rape, assault by "
    "penetration, sexual assault, personal robbery, threats to kill)."
)


def offences(choices: dict[str, str], key: str, container=None) -> str:
    """The tasking pages' "Offences" choice (value → label, ``svd.hotspots.offence_choices``), bound to the
    address; the first choice (serious violence) is the default."""
    with container if container is not None else nullcontext():
        return choice(
            st.selectbox,
            key,
            list(choices),
            next(iter(choices)),
            label="Offences",
            format_func=choices.get,
            help=SERIOUS_VIOLENCE_HELP,
        )


def several(key: str, options: Sequence[Any], default: Sequence[Any] = (), **kwargs: Any) -> list[Any]:
    """A multiselect over ``options`` bound to the address (empty usually means "all")."""
    by_text = {_text(o): o for o in options}
    return bound(
        st.multiselect,
        key,
        list(default),
        lambda v: _join([_text(o) for o in v]),
        lambda r: [by_text[t] for t in _split(r) if t in by_text],
        options=list(options),
        **kwargs,
    )


def switch(label: str, key: str, default: bool = False, **kwargs: Any) -> bool:
    """A toggle bound to the address (1 or 0)."""
    return bound(
        st.toggle,
        key,
        default,
        lambda v: "1" if v else "0",
        lambda r: {"1": True, "0": False}[r],
        label=label,
        **kwargs,
    )


def _join(values: Sequence[str]) -> str:
    return ",".join(values)


def _split(raw: str) -> list[str]:
    return [v for v in raw.split(",") if v]


def _as_range(value: Any) -> tuple[str, str]:
    """A range slider's value as (first, last); a single value (one month) is a range of one month."""
    if isinstance(value, str):
        return value, value
    a, b = value
    return a, b


def _encode_range(value: Any) -> str:
    a, b = _as_range(value)
    return f"{a}..{b}"


def period(
    months: Sequence[pd.Timestamp], key: str = "period", default_months: int = 12, container=st.sidebar
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """A month-range slider over the available months; defaults to the latest ``default_months``.

    In public mode, a choice of whole 12-month periods instead (``svd.public.public_periods``).
    """
    if public.is_public():
        return _public_period(months, key, container)
    months = sorted(pd.Timestamp(m) for m in months)
    labels = [f"{m:%Y-%m}" for m in months]
    default = (labels[max(0, len(labels) - default_months)], labels[-1])

    def decode(raw: str) -> tuple[str, str]:
        a, b = raw.split("..")
        if a not in labels or b not in labels:
            raise ValueError(raw)
        return (a, b)

    with container if container is not None else nullcontext():
        value = bound(
            st.select_slider,
            key,
            default,
            _encode_range,
            decode,
            label="Months",
            options=labels,
            # A pair passed as ``value`` on every run is what makes Streamlit register a range slider; the
            # current choice still comes from session state (seeded from the URL).
            value=default,
            format_func=lambda s: pd.Timestamp(s + "-01").strftime("%b %Y"),
            help="The months included in maps, tables and profiles.",
        )
        # Beside the control: what on this page does not follow the months (``period_note``).
        st.session_state[PERIOD_NOTE] = st.empty()
    a, b = _as_range(value)
    return pd.Timestamp(a + "-01"), pd.Timestamp(b + "-01")


def _public_period(months: Sequence, key: str, container) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Public mode's period control: one of the aligned 12-month periods, the latest by default."""
    windows = public.public_periods(months, public.PERIOD_MONTHS)
    labels = [_encode_range((f"{a:%Y-%m}", f"{b:%Y-%m}")) for a, b in windows]
    with container if container is not None else nullcontext():
        value = choice(
            st.selectbox,
            key,
            labels,
            labels[0],
            label="Months",
            format_func=lambda r: " to ".join(
                pd.Timestamp(s + "-01").strftime("%b %Y") for s in r.split("..")
            ),
            help=public.PERIOD_NOTE,
        )
        st.session_state[PERIOD_NOTE] = st.empty()
    a, b = value.split("..")
    return pd.Timestamp(a + "-01"), pd.Timestamp(b + "-01")


PERIOD_NOTE = "_svd_period_note"


def period_note(text: str) -> None:
    """Say, just under the Months control, what on this page cannot follow the chosen months and why."""
    slot = st.session_state.get(PERIOD_NOTE)
    if slot is not None:
        slot.caption(f":material/info: {text}")


def wards(ward_names: dict[str, str], key: str = "wards", container=st.sidebar) -> tuple[str, ...]:
    """Ward multiselect (empty = the whole borough)."""
    codes = sorted(ward_names, key=ward_names.get)
    with container if container is not None else nullcontext():
        chosen = bound(
            st.multiselect,
            key,
            [],
            _join,
            lambda r: [c for c in _split(r) if c in ward_names],
            label="Wards",
            options=codes,
            format_func=ward_names.get,
            placeholder="Whole borough",
            help="Leave empty for the whole borough.",
        )
    return tuple(chosen)


def offence_groups(
    groups: Sequence[str], key: str = "groups", container=None, default: Sequence[str] = ()
) -> tuple[str, ...]:
    """Offence-group multiselect (empty = all)."""
    with container if container is not None else nullcontext():
        chosen = bound(
            st.multiselect,
            key,
            list(default),
            _join,
            lambda r: [g for g in _split(r) if g in groups],
            label="Offence groups",
            options=list(groups),
            placeholder="All offence groups",
        )
    return tuple(chosen)


def flag(label: str, key: str, container=None) -> bool | None:
    """A three-way flag filter: all, only flagged, exclude flagged."""
    options = ["All", "Only flagged", "Exclude flagged"]
    with container if container is not None else nullcontext():
        choice = bound(
            st.selectbox,
            key,
            "All",
            lambda v: v,
            lambda r: r if r in options else "All",
            label=label,
            options=options,
        )
    return {"All": None, "Only flagged": True, "Exclude flagged": False}[choice]


def time_window(key: str = "hours", container=None) -> tuple[int, int] | None:
    """Time-of-day window; the default is the strategy's 15:00–21:00 window."""
    names = list(TIME_WINDOWS)
    with container if container is not None else nullcontext():
        choice = bound(
            st.selectbox,
            key,
            names[0],
            lambda v: v,
            lambda r: r if r in names else names[0],
            label="Time of day",
            options=names,
            format_func=lambda name: TIME_WINDOW_SHORT.get(name, name),
            help="15:00 to 21:00 is the strategy's priority window; 15:00 to 19:00 the after-school 'Lost Hours'.",
        )
    return TIME_WINDOWS[choice]


def weekdays(key: str = "days", container=None) -> tuple[int, ...]:
    """Weekday multiselect (empty = every day)."""
    with container if container is not None else nullcontext():
        chosen = bound(
            st.multiselect,
            key,
            [],
            lambda v: _join([str(d) for d in v]),
            lambda r: [int(d) for d in _split(r) if d.isdigit() and int(d) < 7],
            label="Days",
            options=list(range(7)),
            format_func=lambda d: WEEKDAYS[d],
            placeholder="Every day",
        )
    return tuple(chosen)


def record_filter(
    start: pd.Timestamp, end: pd.Timestamp, wards_: tuple[str, ...], **kwargs: Any
) -> RecordFilter:
    """Combine shared and page filters into the svd value object."""
    return RecordFilter(start=start, end=end, wards=wards_, **kwargs)
