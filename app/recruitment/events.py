"""Points where other features react to recruitment without recruitment knowing them.

The justification feature registers here: a recorded or imported decision may need a
justification to the chair, and a vacancy may not close while one is still due.
"""

from collections.abc import Callable

# listener(owner, actor) -> None, called in the same transaction as the decision
decision_listeners: list[Callable] = []
# guard(owner) -> a reason closing is refused, or None
close_guards: list[Callable] = []
# lock(owner) -> True when the decision and outcomes may be changed only by HR, with a reason
decision_locks: list[Callable] = []


# listener(organisation_id, vacancy_ids, batch_ids, actor): the decisions an import recorded or
# whose applications it changed, all at once, so a file of thousands of vacancies is one pass.
decisions_imported_listeners: list[Callable] = []


def decisions_imported(organisation_id: int, vacancy_ids, batch_ids, actor) -> None:
    for listener in decisions_imported_listeners:
        listener(organisation_id, list(vacancy_ids), list(batch_ids), actor)


def decision_recorded(owner, actor, reason: str | None = None) -> None:
    for listener in decision_listeners:
        listener(owner, actor, reason=reason)


def decision_locked(owner) -> bool:
    return any(lock(owner) for lock in decision_locks)


def close_refused(owner) -> str | None:
    for guard in close_guards:
        reason = guard(owner)
        if reason:
            return reason
    return None


# related(owner) -> list of (text, path) shown on the vacancy or batch page
related_links: list[Callable] = []


def related(owner) -> list[tuple[str, str]]:
    return [link for provider in related_links for link in provider(owner)]


# follow_up(owner) -> (message, path) when recording the decision left someone work to do now:
# the manager is taken straight there instead of back to the vacancy.
decision_follow_ups: list[Callable] = []


def decision_follow_up(owner) -> tuple[str, str] | None:
    for provider in decision_follow_ups:
        found = provider(owner)
        if found:
            return found
    return None
