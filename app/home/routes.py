"""The home page for each role, and the service's fixed pages."""

from flask import Blueprint, get_template_attribute, render_template
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
    recruitment = tasks = waiting_for_chair = gaps = commitment = hr = None
    failed_emails = 0
    staff = staff_record_for(current_user)
    if current_user.has_role(Role.HR_ADMIN):
        failed_emails = failed_count(org_id)
        hr = figure_cache.cached(org_id, "home.hr", (), lambda: _hr_figures(org_id))
        gaps = _hr_data_gaps(org_id, hr["gaps_total"])
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
        recruitment=recruitment,
        hr=hr,
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


def _hr_figures(organisation_id: int) -> dict:
    """HR's figures, rendered: what keeps them from being whole (applicants interviewed with no
    equality data, who are in neither side of indicator 2 and trigger no justification; open
    vacancies with no recruiting manager) and the workforce and recruitment cards. Kept until
    the data changes, so they hold nothing that depends on who is looking."""
    equality_total, equality = recruitment_queries.equality_gaps(organisation_id)
    unassigned_total, unassigned = recruitment_queries.unassigned_vacancies(organisation_id)
    gaps = {
        "equality_total": equality_total,
        "equality": equality,
        "unassigned_total": unassigned_total,
        "unassigned": unassigned,
    }
    return {
        "gaps_total": equality_total + unassigned_total,
        "gaps_html": get_template_attribute("home/_hr_gaps.html", "gaps_section")(gaps),
        "cards_html": get_template_attribute("home/_hr_cards.html", "cards_section")(
            summary=workforce_queries.workforce_summary(organisation_id),
            recruitment=recruitment_queries.open_counts(organisation_id),
            compliance=recruitment_queries.panel_compliance(organisation_id, listed=False),
        ),
    }


def _hr_data_gaps(organisation_id: int, kept_total: int) -> dict:
    """The data gaps' total with the imports that were refused and not yet redone (read afresh:
    a refused import writes only its job)."""
    refused = import_jobs.refused_since_last_import(organisation_id)
    return {"imports": refused, "total": kept_total + len(refused)}


@bp.route("/accessibility")
def accessibility():
    return render_template("home/accessibility.html")


@bp.route("/privacy")
def privacy():
    return render_template("home/privacy.html")
