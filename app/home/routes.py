"""The home page for each role, and the service's fixed pages."""

from flask import Blueprint, render_template
from flask_login import current_user

from app.accounts.permissions import login_required
from app.accounts.roles import Role
from app.accounts.services import staff_record_for
from app.notifications.services import failed_count
from app.recruitment import queries as recruitment_queries
from app.workforce import queries as workforce_queries

bp = Blueprint("home", __name__, template_folder="templates")


@bp.route("/")
@login_required
def index():
    org_id = current_user.organisation_id
    summary = recruitment = compliance = None
    failed_emails = 0
    if current_user.has_role(Role.HR_ADMIN):
        failed_emails = failed_count(org_id)
        summary = workforce_queries.workforce_summary(org_id)
        recruitment = recruitment_queries.open_counts(org_id)
        compliance = recruitment_queries.panel_compliance(org_id)
    elif current_user.has_role(Role.RECRUITING_MANAGER):
        recruitment = recruitment_queries.open_counts(org_id, current_user.id)
    return render_template(
        "home/index.html",
        summary=summary,
        recruitment=recruitment,
        compliance=compliance,
        failed_emails=failed_emails,
        staff=staff_record_for(current_user),
        Role=Role,
    )


@bp.route("/accessibility")
def accessibility():
    return render_template("home/accessibility.html")


@bp.route("/privacy")
def privacy():
    return render_template("home/privacy.html")
