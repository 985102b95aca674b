"""The web server: the Streamlit app of app.py, plus the route that sets and deletes its login
cookie as an HttpOnly cookie (ui/login_cookie.py). Start it with

    FORWARDED_ALLOW_IPS="$SAM_TRUSTED_PROXIES" python -m streamlit run serve.py

(scripts/run.sh does exactly that). `streamlit run app.py` also works, without a remembered
login (a reload or a new tab asks for the password again), and with the first visitor after
a start who opens a page's URL (/portfolio) seeing that page's bare file instead of the login.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ui import login_cookie

# Streamlit treats an app with a pages/ folder as an old-style multipage app until the first
# st.navigation call of the process: until then a URL such as /portfolio runs pages/portfolio.py
# on its own, with the folder's file names as the menu. app.py always calls st.navigation, so
# say so before the first visitor arrives.
PagesManager.uses_pages_directory = False

app = st.App("app.py", routes=login_cookie.routes())
