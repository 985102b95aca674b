"""Imported only by the fork server of `sandbox` (never by the app): each reader child is a
fork of that server, with the readers already imported.

multiprocessing would make every child import the parent's main module again before it runs
(under Streamlit that is the app's own script). A reader child needs nothing of it, so the
server turns that step off for the children it forks; the app process is not touched.
"""

from multiprocessing import spawn

import sam_core.ingest.reader  # noqa: F401 - imported once here, inherited by every child

spawn._fixup_main_from_path = lambda path: None
spawn._fixup_main_from_name = lambda name: None
