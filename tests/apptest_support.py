"""Firing events of the playground component under Streamlit's AppTest.

AppTest has no public API for `st.components.v2` events, so this builds the
widget-state message that the browser would send. It relies on Streamlit 1.67
internals and is kept here alone so that an upgrade breaks one place.
"""

from __future__ import annotations

import json

from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX
from streamlit.testing.v1 import AppTest


def component(at: AppTest):
    """Return the playground component element of the last run."""
    return next(
        node
        for node in at.main
        if node.type == "bidi_component" and node.proto.component_name.endswith("toyopt_playground")
    )


def payload(at: AppTest) -> dict:
    """Return the data the last run sent to the playground component."""
    return json.loads(component(at).proto.json)


def fire_event(at: AppTest, event: str, value: object) -> AppTest:
    """Send one component trigger event and rerun, keeping other widget values."""
    states: WidgetStates = at._tree.get_widget_states()
    widget = states.widgets.add()
    widget.id = f"{STREAMLIT_INTERNAL_KEY_PREFIX}_{component(at).proto.id}__events"
    widget.json_trigger_value = json.dumps([{"event": event, "value": value}])
    return at._run(states)
