"""Parts of the Relationship map page: the map itself at a readable size, and its download
as an image (SVG or PNG, made in the browser from the drawn map: no Graphviz on the server)."""

from __future__ import annotations

import json

import streamlit as st

from sam_core.metrics.relationship_map import AccountMap, relationship_dot
from sam_core.outputs import formatting
from ui import session

SIZES = {"Fit the page": None, "Larger": 1.5, "Largest (projector)": 2.2}
GRAPH_KEY = "relationship_graph"

# Serialises the drawn map (the SVG Graphviz drew in the page) and saves it as SVG, or paints
# it on a canvas at twice its size and saves a PNG.
_DOWNLOAD = """
<div style="display:flex;gap:.5rem">
  <button id="relmap-svg" class="relmap-download">Download the map (SVG)</button>
  <button id="relmap-png" class="relmap-download">Download the map (PNG)</button>
</div>
<style>
.relmap-download{font:inherit;font-size:.875rem;padding:.25rem .75rem;border-radius:.5rem;
  border:1px solid rgba(49,51,63,.2);background:#fff;cursor:pointer}
.relmap-download:hover{border-color:#1f5fa8;color:#1f5fa8}
</style>
<script>
(() => {
  const name = NAME;
  const find = () => document.querySelector('.st-key-GRAPH [data-testid="stGraphVizChart"] svg');
  const text = () => {
    const svg = find(); if (!svg) return null;
    const copy = svg.cloneNode(true), box = svg.viewBox.baseVal;
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    copy.setAttribute("width", box.width); copy.setAttribute("height", box.height);
    copy.removeAttribute("style");
    return [new XMLSerializer().serializeToString(copy), box];
  };
  const save = (blob, file) => {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = file;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 5000);
  };
  document.getElementById("relmap-svg").onclick = () => {
    const found = text(); if (found) save(new Blob([found[0]], {type: "image/svg+xml"}), name + ".svg");
  };
  document.getElementById("relmap-png").onclick = () => {
    const found = text(); if (!found) return;
    const [svg, box] = found, scale = 2, image = new Image();
    image.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = box.width * scale; canvas.height = box.height * scale;
      const g = canvas.getContext("2d");
      g.fillStyle = "#ffffff"; g.fillRect(0, 0, canvas.width, canvas.height);
      g.drawImage(image, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(blob => save(blob, name + ".png"), "image/png");
    };
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
  };
})();
</script>
"""


def gaps_heading(n: int) -> str:
    """The Gaps and risks tab's heading: 'Gaps and risks (1)', 'Gaps and risks (1,413)'."""
    return f"Gaps and risks ({formatting.count(n)})"


@st.fragment
def focused_map(m: AccountMap) -> None:
    """The map with its focus (a person, their relationships and managers) and size; a choice
    here reruns only this part of the page."""
    session.fragment_guard("relationship_map")
    people = (
        {None: "Everyone"}
        | dict(zip(m.stakeholders["stakeholder_id"], m.stakeholders["name"], strict=True))
        | {t: t for t in m.team["member"]}
    )
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    focus = left.selectbox(
        "Focus on",
        list(people),
        format_func=people.__getitem__,
        key="relationship_focus",
        help="Only this person, the people they have a relationship with, and the managers above them.",
    )
    size = right.segmented_control(
        "Size", list(SIZES), default="Fit the page", key="relationship_size", required=True
    )
    draw_map(m, focus, size or "Fit the page")
    st.caption(
        "Colour: attitude (red detractor … green champion); thick blue border: decision maker; "
        "lines: relationships, thicker = stronger, blue = strength 3+; yellow: executive sponsor. "
        "Point at a person for their role and influence; the full-screen button fits the map to the "
        "screen."
    )


def draw_map(m: AccountMap, focus: str | None, size: str) -> None:
    """The map: fitted to the page's width (the chart's full-screen button fits it to the
    screen for a projector), or larger in a box that scrolls; then its download buttons."""
    dot = relationship_dot(m, focus=focus)
    scale = SIZES.get(size)
    with st.container(key=GRAPH_KEY, height="content" if scale is None else 640, border=scale is not None):
        if scale is None:
            st.graphviz_chart(dot, width="stretch")
        else:
            st.graphviz_chart(dot, width=int(900 * scale))
    st.html(
        _DOWNLOAD.replace("NAME", json.dumps(f"relationship-map-{m.account_id}")).replace("GRAPH", GRAPH_KEY),
        unsafe_allow_javascript=True,
    )
