"""The dashboard's server: Streamlit running app.py, with one middleware (ui.asgi.BaseUrlScript) that tells the
frontend its server's address, so that a page opened directly makes no failing requests.

Started by ``make run`` and the browser tests as ``streamlit run serve.py`` (Streamlit's own command and options).
"""

import streamlit as st
from starlette.middleware import Middleware

from ui.asgi import BaseUrlScript

app = st.App("app.py", middleware=[Middleware(BaseUrlScript)])
