"""The dashboard's server: ``streamlit run serve.py`` (what ``make run`` and the browser tests start).

It serves ``app.py`` as ``streamlit run app.py`` would, with three additions:
- one middleware (``ui.asgi.BaseUrlScript``) that writes into every page's HTML its server's address, so that a
  page opened directly makes no failing requests, and a loading message drawn before the frontend starts;
- compressed responses (Starlette's ``GZipMiddleware``): the frontend's scripts are ~7 MB as Streamlit serves them
  and ~2.5 MB gzipped (README, "The Dash peer"). At level 4, not Starlette's default 9: measured on Streamlit's 40
  largest scripts (20.6 MB), level 9 takes 0.74 s of CPU for 6.10 MB and level 4 0.29 s for 6.37 MB, and a cold
  server compresses a first visit's scripts while it loads the data on the same two cores;
- a lifespan hook that loads the shared data in a background thread as soon as the server starts
  (``ui/warmup.py``), so the first visitor does not wait for it. The server is ready while the warming runs, and
  every page arrives with its own loading message (``ui.asgi.boot_message``), drawn before the frontend starts.
"""

from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware

from ui.asgi import BaseUrlScript


@asynccontextmanager
async def warm_at_start_up(_app):
    """Start warming the shared caches when the server starts; nothing to do when it stops."""
    from ui import warmup

    warmup.start()
    yield


app = st.App(
    "app.py",
    middleware=[Middleware(GZipMiddleware, minimum_size=1024, compresslevel=4), Middleware(BaseUrlScript)],
    lifespan=warm_at_start_up,
)
