"""Projector mode of the Portfolio page: one 16:9 slide filling the window, nothing else but a small
Previous / Next with the slide counter; arrows and Page Up / Down step, Esc leaves."""

from __future__ import annotations

import streamlit as st

from sam_core.outputs import slides
from sam_core.outputs.meeting import Meeting

SLIDE = "portfolio_slide"

_STYLE = (
    "<style>"
    + slides.STYLE
    + """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], .st-key-portfolio_controls
{display: none !important;}
[data-testid="stMainBlockContainer"], .block-container {padding: 0 !important; max-width: none !important;}
html, body, [data-testid="stAppViewContainer"], [data-testid="stMain"] {overflow: hidden !important;}
.st-key-portfolio_nav
{position: fixed !important; right: 1vw; bottom: 0.8vh; z-index: 200; width: auto !important;
  gap: 0.4rem; align-items: center; background: rgba(255, 255, 255, 0.9); padding: 0.15rem 0.4rem;
  border-radius: 0.5rem;}
.st-key-portfolio_nav button {min-height: 1.8rem; padding: 0 0.6rem;}
.st-key-portfolio_nav p {font-size: 0.85rem; margin: 0; white-space: nowrap;}
.st-key-portfolio_nav [data-testid="stElementContainer"] {margin: 0 !important;}
.st-key-portfolio_nav [data-testid="stMarkdownContainer"] {margin: 0 !important;}
</style>"""
)

# Keys on the page (not in a text field) press the slide buttons: the same rerun as a click.
_KEYS = """<script>
(function () {
  if (window.samSlideKeys) return;
  window.samSlideKeys = true;
  const keys = {ArrowRight: "portfolio_next", ArrowDown: "portfolio_next", PageDown: "portfolio_next",
                ArrowLeft: "portfolio_previous", ArrowUp: "portfolio_previous", PageUp: "portfolio_previous",
                Escape: "portfolio_leave"};
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
    target.isContentEditable)) return;
    const key = keys[event.key];
    const button = key && document.querySelector(".st-key-" + key + " button");
    if (!button || !document.querySelector(".st-key-portfolio_nav")) return;
    event.preventDefault();
    button.click();
  }, true);
})();
</script>"""


def _step(by: int, total: int) -> None:
    st.session_state[SLIDE] = max(0, min(total - 1, st.session_state.get(SLIDE, 0) + by))


def _leave() -> None:
    st.session_state["portfolio_present"] = False


def show(meeting: Meeting, currency: str) -> None:
    """Slide 0 the portfolio, 1..N the top accounts in revenue order, then the decisions and asks."""
    total = slides.slide_count(meeting)
    index = min(st.session_state.setdefault(SLIDE, 0), total - 1)
    st.html(_STYLE)
    with st.container(key="portfolio_nav", horizontal=True):
        st.button(
            "Previous",
            key="portfolio_previous",
            icon=":material/arrow_back:",
            on_click=_step,
            args=(-1, total),
            disabled=index == 0,
        )
        st.markdown(f"{index + 1} / {total}")
        st.button(
            "Next",
            key="portfolio_next",
            icon=":material/arrow_forward:",
            on_click=_step,
            args=(1, total),
            disabled=index == total - 1,
        )
        st.button("Leave", key="portfolio_leave", icon=":material/close:", on_click=_leave, help="Esc")
    st.html(slides.slide(meeting, index, currency))
    st.html(_KEYS, unsafe_allow_javascript=True)
