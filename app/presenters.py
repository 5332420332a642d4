"""Template filters and globals shared by every page: dates, bands, navigation by role."""

import re
from datetime import date, datetime
from functools import lru_cache

from flask import Flask, g, request
from flask_login import current_user
from markupsafe import Markup, escape

from app.accounts.roles import ROLE_NAMES, VIEWER_ROLES, Role
from app.pagination import row_url_prefix
from app.text_limits import LONG_TEXT
from app.timeutil import to_london
from app.urls import kept_url_for
from app.workforce.bands import BOARD_ROLE_NAMES, STAFF_GROUP_NAMES, band_name


def format_datetime(moment: datetime | None) -> str:
    local = to_london(moment)
    return local.strftime("%-d %B %Y at %H:%M") if local else ""


# Kept per date: a list prints two dates a row, and strftime cost more than the rest of a cell.
@lru_cache(maxsize=4096)
def format_date(day: date | None) -> str:
    return day.strftime("%-d %B %Y") if day else ""


def _sections(roles: frozenset) -> tuple[tuple[str, str, str | None], ...]:
    """The header's sections (text, endpoint, path prefix) for a set of roles, before Messages."""
    items = [("Home", "home.index", None)]
    if roles & {Role.RECRUITING_MANAGER, Role.HR_ADMIN}:
        items.append(("Vacancies", "recruitment.vacancy_list", "/vacancies"))
    if roles & {Role.RECRUITING_MANAGER, Role.HR_ADMIN, Role.CHAIR}:
        items.append(("Justifications", "justifications.queue", "/justifications"))
    if Role.HR_ADMIN in roles:
        items += [
            ("Staff", "workforce.staff_list", "/staff"),
            ("Imports", "workforce.import_history", "/imports"),
            ("Users", "accounts.user_list", "/users"),
            ("Settings", "workforce.settings", "/settings"),
        ]
    if roles & {Role.HR_ADMIN, Role.CHAIR}:
        items += [
            ("Figures", "metrics.dashboard", "/dashboard"),
            ("Goals and action plan", "goals.index", "/goals"),
            ("Board report", "board_report.index", "/board-report"),
        ]
    if Role.NATIONAL_VIEWER in roles:
        items.append(("Benchmarking", "benchmarking.index", "/benchmarking"))
    elif Role.REGIONAL_VIEWER in roles:
        items.append(("Regional figures", "benchmarking.index", "/benchmarking"))
    if roles - VIEWER_ROLES:  # staff of a trust, not a regional or national team
        items.append(("Mentoring", "mentoring.mine", "/mentoring"))
    return tuple(items)


# Sections per set of roles: a few distinct sets in any organisation. Only which sections show
# is kept; whether the user holds the roles is read from their session on every request.
_kept_sections: dict = {}


def navigation() -> list[dict]:
    """Header links for the signed-in user's roles; the current section is marked."""
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return []
    roles = frozenset(user.roles)
    items = _kept_sections.get(roles)
    if items is None:
        items = _kept_sections[roles] = _sections(roles)
    from app.notifications.services import unread_count

    unread = unread_count(user)
    items += (
        (f"Messages ({unread})" if unread else "Messages", "notifications.inbox", "/inbox"),
        ("Your account", "accounts.account", "/account"),
    )
    path, current_endpoint = request.path, request.endpoint
    return [
        {
            "text": text,
            "href": kept_url_for(endpoint),
            "current": (prefix and path.startswith(prefix)) or current_endpoint == endpoint,
        }
        for text, endpoint, prefix in items
    ]


AUDIT_ACTIONS = {
    "vacancy.created": "Vacancy created",
    "vacancy.changed": "Vacancy details changed",
    "batch.created": "Batch created",
    "application.added": "Applicant added",
    "outcomes.recorded": "Outcomes recorded",
    "scores.recorded": "Interview scores recorded",
    "decision.recorded": "Decision recorded",
    "recruitment.closed": "Closed",
    "panel.member_added": "Panel member added",
    "panel.member_removed": "Panel member removed",
    "panel.confirmed": "Panel confirmed",
    "panel.imported": "Panel imported",
    "mentoring.created": "Relationship recorded",
    "mentoring.changed": "Relationship changed",
    "mentoring.ended": "Relationship ended",
    "justification.created": "Justification to the chair needed",
    "justification.updated": "Justification updated after the decision changed",
    "justification.superseded": "Justification superseded: the decision was changed",
    "panel_declaration.changed": "Declaration for panel purposes changed",
    "justification.submitted": "Justification submitted",
    "justification.accepted": "Justification accepted by the chair",
    "justification.more-information-requested": "Chair asked for more information",
    "justification.referred": "Justification referred by the chair",
    "goals.proposed": "Goals proposed",
    "goals.changed": "Proposed goals changed",
    "goals.approved": "Goals approved",
    "goals.path_recorded": "Required path recomputed at the year's close",
    "action.added": "Action added",
    "action.changed": "Action changed",
    "action.progress": "Progress recorded",
}


def audit_summary(event) -> str:
    """One line for a history table; never includes person-level ethnicity."""
    text = AUDIT_ACTIONS.get(event.action, event.action.replace(".", ": ").replace("_", " "))
    detail = event.detail_dict
    if "stage" in detail:
        text += f" ({detail['stage']} panel)"
    if "member" in detail:
        text += f": {detail['member']}"
    if event.action == "decision.recorded" and detail.get("decision_date"):
        text += f": {detail['decision_date']}"
    return text


def percent(value, places: int = 1) -> str:
    if value is None:
        return "not available"
    if isinstance(value, str):
        return value  # already masked for publication
    return f"{100 * value:.{places}f}%"


def ratio(value) -> str:
    if value is None:
        return "not available"
    if isinstance(value, str):
        return value
    return f"{value:.2f}"


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def free_text(value) -> Markup:
    """What a person wrote (a reason, a note, an agreement), shown with its line breaks and
    never as markup: every part is escaped, and only <br> is added."""
    if value is None:
        return Markup("")
    return Markup("<br>\n").join(escape(line) for line in _LINE_BREAK.split(str(value)))


def max_length(field) -> int | None:
    """app.forms.max_length, imported at the first form a page shows: forms (WTForms) and the
    notifications feature are for pages, and every `flask` command registers these helpers."""
    from app.forms import max_length as limit

    return limit(field)


def register(app: Flask) -> None:
    app.jinja_env.filters["free_text"] = free_text
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["band"] = band_name
    app.jinja_env.filters["staff_group"] = lambda slug: STAFF_GROUP_NAMES.get(slug, slug or "")
    app.jinja_env.filters["board_role"] = lambda slug: BOARD_ROLE_NAMES.get(slug, "")
    app.jinja_env.filters["audit_summary"] = audit_summary
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["ratio"] = ratio
    app.jinja_env.filters["role_name"] = lambda role: ROLE_NAMES[Role(role)]
    app.jinja_env.globals["max_length"] = max_length
    app.jinja_env.globals["row_url_prefix"] = row_url_prefix
    # Flask's url_for, but an address without arguments is built once per worker (app/urls.py).
    app.jinja_env.globals["url_for"] = kept_url_for
    app.jinja_env.globals["LONG_TEXT"] = LONG_TEXT  # for text a route reads itself

    @app.context_processor
    def layout_values():
        return {
            "service_name": app.config["SERVICE_NAME"],
            "navigation": navigation,
            "cspNonce": getattr(g, "csp_nonce", None),
        }
