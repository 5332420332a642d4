"""Which features act on another feature's events, wired once per process as the app is built.

Recruitment and the metrics announce events (`recruitment/events.py`, `metrics/events.py`)
without knowing who listens. The listeners used to register themselves as their modules were
imported, so a process that never imported them ran without them: a `flask` command imports only
its own feature, and `flask recruitment import` created no justification to the chair. Each is
named here instead, by path, and imported at its first call, so every process has every listener
and a command that announces nothing imports none of them.
"""

from collections.abc import Callable

from werkzeug.utils import import_string

from app.metrics import events as metrics_events
from app.recruitment import events as recruitment_events

# Each event's list of listeners, and the functions to put on it.
WIRING = {
    recruitment_events: {
        "decision_listeners": ["app.justifications.services:on_decision"],
        "decisions_imported_listeners": ["app.justifications.services:on_decisions_imported"],
        "decision_follow_ups": ["app.justifications.services:follow_up"],
        "close_guards": ["app.justifications.services:close_guard"],
        "related_links": ["app.justifications.services:related_link"],
        "decision_locks": ["app.justifications.services:decision_locked"],
    },
    metrics_events: {
        "year_closed_listeners": ["app.goals.services:record_required_path"],
    },
}


def _when_called(path: str) -> Callable:
    found: list[Callable] = []

    def call(*args, **kwargs):
        if not found:
            found.append(import_string(path))
        return found[0](*args, **kwargs)

    call.__qualname__ = call.__name__ = path
    return call


_wired: list[bool] = []


def wire() -> None:
    """Put every listener on its event's list, once per process (each app built calls it)."""
    if _wired:
        return
    _wired.append(True)
    for module, lists in WIRING.items():
        for name, paths in lists.items():
            getattr(module, name).extend(_when_called(path) for path in paths)
