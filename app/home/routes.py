"""The home page for each role, and the service's fixed pages."""

from flask import Blueprint, render_template
from flask_login import current_user

from app import figure_cache, import_jobs
from app.accounts.permissions import login_required
from app.accounts.roles import Role
from app.accounts.services import staff_record_for
from app.goals import queries as goals_queries
from app.justifications import queries as justification_queries
from app.justifications.working_days import due_phrase
from app.mentoring import queries as mentoring_queries
from app.mentoring.eligibility import is_senior_leader
from app.notifications.services import failed_count
from app.recruitment import queries as recruitment_queries
from app.timeutil import today_london
from app.workforce import queries as workforce_queries
from app.workforce.wres_year import year_containing

bp = Blueprint("home", __name__, template_folder="templates")


@bp.route("/")
@login_required
def index():
    org_id = current_user.organisation_id
    summary = recruitment = compliance = tasks = waiting_for_chair = gaps = commitment = None
    failed_emails = 0
    staff = staff_record_for(current_user)
    if current_user.has_role(Role.HR_ADMIN):
        failed_emails = failed_count(org_id)
        gaps = _hr_data_gaps(org_id)
        summary = figure_cache.cached(
            org_id,
            "home.workforce_summary",
            (),
            lambda: workforce_queries.workforce_summary(org_id),
        )
        recruitment = figure_cache.cached(
            org_id, "home.open_counts", (), lambda: recruitment_queries.open_counts(org_id)
        )
        compliance = figure_cache.cached(
            org_id,
            "home.panel_compliance",
            (),
            lambda: recruitment_queries.panel_compliance(org_id, listed=False),
        )
    elif current_user.has_role(Role.RECRUITING_MANAGER):
        recruitment = recruitment_queries.open_counts(org_id, current_user.id)
        tasks = _manager_tasks(org_id, current_user.id)
    if current_user.has_role(Role.CHAIR):
        waiting_for_chair = justification_queries.waiting_for_chair(org_id)
    if (
        current_user.has_role(Role.SENIOR_LEADER)
        and staff is not None
        and is_senior_leader(staff.pay_band, staff.board_role)
    ):
        commitment = mentoring_queries.commitment(staff, year_containing(today_london()).year)
    return render_template(
        "home/index.html",
        tasks=tasks,
        waiting_for_chair=waiting_for_chair,
        summary=summary,
        recruitment=recruitment,
        compliance=compliance,
        failed_emails=failed_emails,
        gaps=gaps,
        commitment=commitment,
        staff=staff,
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


def _hr_data_gaps(organisation_id: int) -> dict:
    """What keeps HR's figures from being whole: applicants interviewed with no equality data
    (they are in neither side of indicator 2 and trigger no justification), open vacancies with
    no recruiting manager, and imports that were refused and not yet redone."""
    equality_total, equality = figure_cache.cached(
        organisation_id,
        "home.equality_gaps",
        (),
        lambda: recruitment_queries.equality_gaps(organisation_id),
    )
    equality = [
        recruitment_queries.EqualityGap(figure_cache.attach(gap.owner), gap.applicants)
        for gap in equality
    ]
    unassigned_total, unassigned = figure_cache.cached(
        organisation_id,
        "home.unassigned_vacancies",
        (),
        lambda: recruitment_queries.unassigned_vacancies(organisation_id),
    )
    unassigned = [figure_cache.attach(vacancy) for vacancy in unassigned]
    refused = import_jobs.refused_since_last_import(organisation_id)
    return {
        "equality_total": equality_total,
        "equality": equality,
        "unassigned_total": unassigned_total,
        "unassigned": unassigned,
        "imports": refused,
        "total": equality_total + unassigned_total + len(refused),
    }


@bp.route("/accessibility")
def accessibility():
    return render_template("home/accessibility.html")


@bp.route("/privacy")
def privacy():
    return render_template("home/privacy.html")
