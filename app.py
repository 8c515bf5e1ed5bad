"""Serious Violence Duty dashboard: page config, shared filters and navigation. Nothing else lives here."""

import streamlit as st

from svd import config
from ui import warmup

try:
    BOROUGH = config.borough()
except config.BoroughError as exc:  # a mistyped SVD_BOROUGH: say how to choose, never a traceback
    st.error(str(exc))
    st.stop()

st.set_page_config(
    page_title=f"Serious Violence Duty dashboard · {BOROUGH.name}",
    # An emoji: measured cheapest to prepare (0.05 s of CPU, against 0.13 s for an image file, which loads PIL);
    # a Material icon would be fetched from Google's font servers.
    page_icon="🛡️",
    layout="wide",
    initial_sidebar_state="expanded",
)
# On a cold server, say so at once: the imports and loads below take seconds the first time.
loading = warmup.loading_message()
warmup.start_under_server()
warmup.wait_for_core()

from svd.aggregate import periods_for  # noqa: E402
from ui import access, cache, frame, present, share  # noqa: E402 — after the loading message, which they would delay
from ui import filters as shared  # noqa: E402

frame.styles()
role = access.begin()  # who is here and what they may see (sign-in when [auth] is configured)

ROOT = cache.data_root()
missing = cache.missing_required(ROOT)
if missing:
    st.navigation([st.Page("views/missing_data.py", title="Data needed", icon=":material/folder_off:")]).run()
    warmup.done(loading)
    st.stop()

share.begin()
with st.sidebar:
    st.markdown(f"**{BOROUGH.partnership}**")
    start, end = shared.period(cache.ward_months(ROOT))
    wards = shared.wards(cache.ward_names(ROOT))
    present.toggle()
    link_slot = share.placeholder()
    access.sign_in_control()
present.apply()
# The chosen months and the same months a year earlier: one meaning of the period on every page.
st.session_state["shared_filter"] = {
    "start": start,
    "end": end,
    "wards": wards,
    "periods": periods_for(start, end),
}

pages = {
    "For the board": [
        st.Page(
            "views/overview.py", title="Overview", icon=":material/dashboard:", url_path="", default=True
        ),
        st.Page(
            "views/domestic_abuse.py",
            title="Domestic abuse",
            icon=":material/home:",
            url_path="domestic-abuse",
        ),
        st.Page(
            "views/sexual_offences.py",
            title="Sexual offences",
            icon=":material/shield_person:",
            url_path="sexual-offences",
        ),
        st.Page(
            "views/knife_crime_robbery.py",
            title="Knife crime and robbery",
            icon=":material/warning:",
            url_path="knife-crime-robbery",
        ),
        st.Page(
            "views/london.py", title="London comparisons", icon=":material/leaderboard:", url_path="london"
        ),
        st.Page("views/london_map.py", title="London map", icon=":material/public:", url_path="london-map"),
        st.Page("views/funding.py", title="Funding", icon=":material/payments:", url_path="funding"),
        st.Page("views/strategy.py", title="Strategy", icon=":material/flag:", url_path="strategy"),
    ],
    "For tasking": [
        st.Page("views/hotspots.py", title="Hotspots", icon=":material/map:", url_path="hotspots"),
        st.Page("views/temporal.py", title="Days and times", icon=":material/schedule:", url_path="temporal"),
        st.Page(
            "views/border.py", title="Across the border", icon=":material/compare_arrows:", url_path="border"
        ),
    ],
    "For analysts": [
        st.Page("views/data.py", title="Data and methods", icon=":material/table_chart:", url_path="data"),
        st.Page("views/evaluate.py", title="Evaluate", icon=":material/science:", url_path="evaluate"),
    ],
}
pages = access.allowed_pages(pages, role)  # a page the role may not open is neither offered nor opened
page = st.navigation(pages, expanded=True)  # every page listed: not some behind "View 3 more"
st.session_state["svd_page_title"] = (
    page.title
)  # pages' plain sentences name the page (ui.frame.records_notice)
page.run()
share.link_control(link_slot)
present.page_nav([p for section in pages.values() for p in section], page)
warmup.done(loading)
