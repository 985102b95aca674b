"""A Streamlit session over the app's websocket, speaking Streamlit's own protocol.

What a browser tab does, without the browser: it asks for a script run (the first load, a
widget change, a click in the navigation), then receives the run's elements until the
server says the run finished. Used by the load benchmark (so that the server, not Chromium
on the same two cores, is what gets measured) and by tests of several sessions at once.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


@dataclass
class Run:
    """One script run as the client received it."""

    seconds: float
    status: int
    elements: list = field(default_factory=list)  # (element type, Element) in arrival order

    def of(self, kind: str) -> list:
        return [e for t, e in self.elements if t == kind]

    def widget(self, kind: str, label: str):
        found = [getattr(e, kind) for e in self.of(kind) if getattr(e, kind).label == label]
        if not found:
            raise LookupError(f"no {kind} labelled {label!r} in the run")
        return found[0]

    def metric(self, label: str) -> str:
        return next(e.metric.body for e in self.of("metric") if e.metric.label == label)

    @property
    def alerts(self) -> list[str]:
        """The texts of st.error, st.warning, st.info and st.success, in order."""
        return [e.alert.body for e in self.of("alert")]

    @property
    def exceptions(self) -> list[str]:
        return [f"{e.exception.type}: {e.exception.message}" for e in self.of("exception")]

    @property
    def ok(self) -> bool:
        return self.status in FINISHED and not self.exceptions


class Session:
    """One user's session: `run()` asks for a script run and waits until it finished."""

    def __init__(self, url: str, timeout: float = 120.0, headers: dict | None = None):
        self.url, self.timeout, self.headers = url, timeout, headers or {}
        self.pages: dict[str, str] = {}  # page title -> page script hash, from the navigation
        self.page_hash = ""

    async def __aenter__(self) -> Session:
        ws_url = self.url.replace("http://", "ws://") + "/_stcore/stream"
        self._socket = await connect(
            ws_url,
            subprotocols=["streamlit"],
            additional_headers={"Origin": self.url, **self.headers},
            max_size=None,
            open_timeout=self.timeout,
        )
        return self

    async def __aexit__(self, *exc) -> None:
        await self._socket.close()

    async def run(self, *, page: str | None = None, widgets: list[WidgetState] = ()) -> Run:
        """A script run of the current page (or of `page`, a title from the navigation)."""
        message = BackMsg()
        state = message.rerun_script
        state.page_script_hash = self.pages[page] if page else self.page_hash
        state.widget_states.widgets.extend(widgets)
        state.context_info.timezone = "Europe/Berlin"
        state.context_info.url = self.url + "/"
        started = time.perf_counter()
        await self._socket.send(message.SerializeToString())
        elements = []
        async with asyncio.timeout(self.timeout):
            while True:
                forward = ForwardMsg()
                forward.ParseFromString(await self._socket.recv())
                kind = forward.WhichOneof("type")
                if kind == "new_session":
                    self.page_hash = forward.new_session.page_script_hash
                elif kind == "navigation":
                    self.pages = {p.page_name: p.page_script_hash for p in forward.navigation.app_pages}
                    self.page_hash = forward.navigation.page_script_hash or self.page_hash
                elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                    element = forward.delta.new_element
                    elements.append((element.WhichOneof("type"), element))
                elif (
                    kind == "script_finished"
                    and forward.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN
                ):
                    elements = []  # the app reran itself (st.rerun): the run that follows is the answer
                elif kind == "script_finished":
                    return Run(time.perf_counter() - started, forward.script_finished, elements)

    async def submit_login(self, form: Run, user: str, password: str) -> Run:
        """Submit the login form drawn in `form` (a run of the login page); the answer's run."""
        username, secret = form.widget("text_input", "Username"), form.widget("text_input", "Password")
        submit = form.widget("button", "Login")
        return await self.run(
            widgets=[
                WidgetState(id=username.id, string_value=user),
                WidgetState(id=secret.id, string_value=password),
                WidgetState(id=submit.id, trigger_value=True),
            ]
        )

    async def log_in(self, user: str, password: str) -> Run:
        """Fill in and submit the login form; the run of the page the app opens on."""
        answer = await self.submit_login(await self.run(), user, password)
        if not any(e.button.label == "Log out" for e in answer.of("button")):
            raise RuntimeError(f"the login as {user} was refused: {answer.alerts}")
        return answer
