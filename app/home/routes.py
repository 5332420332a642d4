"""The home page for each role, and the service's fixed pages."""

from flask import Blueprint, render_template
from flask_login import current_user

from app.accounts.permissions import login_required
from app.accounts.roles import Role
from app.accounts.services import staff_record_for
from app.goals import queries as goals_queries
from app.justifications import queries as justification_queries
from app.justifications.working_days import due_phrase
from app.notifications.services import failed_count
from app.recruitment import queries as recruitment_queries
from app.timeutil import today_london
from app.workforce import queries as workforce_queries

bp = Blueprint("home", __name__, template_folder="templates")


@bp.route("/")
@login_required
def index():
    org_id = current_user.organisation_id
    summary = recruitment = compliance = tasks = waiting_for_chair = None
    failed_emails = 0
    if current_user.has_role(Role.HR_ADMIN):
        failed_emails = failed_count(org_id)
        summary = workforce_queries.workforce_summary(org_id)
        recruitment = recruitment_queries.open_counts(org_id)
        compliance = recruitment_queries.panel_compliance(org_id, listed=False)
    elif current_user.has_role(Role.RECRUITING_MANAGER):
        recruitment = recruitment_queries.open_counts(org_id, current_user.id)
        tasks = _manager_tasks(org_id, current_user.id)
    if current_user.has_role(Role.CHAIR):
        waiting_for_chair = justification_queries.waiting_for_chair(org_id)
    return render_template(
        "home/index.html",
        tasks=tasks,
        waiting_for_chair=waiting_for_chair,
        summary=summary,
        recruitment=recruitment,
        compliance=compliance,
        failed_emails=failed_emails,
        staff=staff_record_for(current_user),
        Role=Role,
        my_actions=goals_queries.open_actions_for(current_user),
        my_actions_today=today_london(),
    )


def _manager_tasks(organisation_id: int, user_id: int) -> dict:
    """What is waiting for a recruiting manager, soonest due first."""
    today = today_london()
    justifications = [
        (j, due_phrase(j.due_date, today), j.due_date < today)
        for j in justification_queries.open_for_manager(organisation_id, user_id)
    ]
    return {
        "justifications": justifications,
        "overdue": sum(1 for _, _, overdue in justifications if overdue),
        "panels": recruitment_queries.panels_to_confirm(organisation_id, user_id),
        "decisions": recruitment_queries.decisions_to_record(organisation_id, user_id),
    }


@bp.route("/accessibility")
def accessibility():
    return render_template("home/accessibility.html")


@bp.route("/privacy")
def privacy():
    return render_template("home/privacy.html")
