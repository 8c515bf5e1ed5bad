"""Shown instead of the dashboard when required reference files are missing: what, and where to put them."""

import streamlit as st

from svd import catalogue
from ui import cache

root = cache.data_root()
st.title("The dashboard needs its reference data")
st.error(
    f"Some required files are missing or not in the expected format in the data directory `{root}`.",
    icon=":material/folder_off:",
)
st.markdown(
    "Set the environment variable `SVD_DATA_DIR` to the folder that holds the published files, or put them "
    "in `../shared/data` beside the project. The files are the publishers' own downloads, unchanged:"
)
for ds_id, title, problems in cache.missing_required(root):
    with st.container(border=True):
        ds = next(d for d in catalogue.load_catalogue() if d.id == ds_id)
        st.markdown(f"**{title}**  \nExpected at `{root}/{ds.path}` · {ds.publisher} · {ds.licence}")
        for p in problems:
            st.markdown(f"- {p}")
st.caption("Check files before loading them with `python -m svd validate FILE...`.")
