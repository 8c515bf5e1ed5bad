"""The dashboard's server: ``streamlit run serve.py`` (what ``make run`` does).

It serves ``app.py`` as ``streamlit run app.py`` would, and also loads the shared data in a background thread
as soon as the server starts (ui/warmup.py), so the first visitor does not wait for it. The server is ready,
and shows a loading message, while the warming runs.
"""

from contextlib import asynccontextmanager

import streamlit as st


@asynccontextmanager
async def warm_at_start_up(_app):
    """Start warming the shared caches when the server starts; nothing to do when it stops."""
    from ui import warmup

    warmup.start()
    yield


app = st.App("app.py", lifespan=warm_at_start_up)
