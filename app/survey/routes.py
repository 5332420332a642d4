"""The staff survey results: HR's upload page, and the figures page for HR and the chair."""

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import current_user

from app.accounts.permissions import roles_required
from app.accounts.roles import Role
from app.metrics import charts
from app.numbers import ascii_int
from app.survey import queries
from app.survey.imports import import_survey
from app.timeutil import today_london
from app.uploads import upload_page
from app.workforce.wres_year import WresYear, year_containing

bp = Blueprint("survey", __name__, template_folder="templates")
BOARD = (Role.HR_ADMIN, Role.CHAIR)


def _year() -> int:
    current = year_containing(today_london()).year
    return ascii_int(request.args.get("year", ""), 2001, current) or current


@bp.route("/survey/imports", methods=["GET", "POST"])
@roles_required(Role.HR_ADMIN)
def imports_page():
    return upload_page(
        "survey", import_survey, "survey/imports.html", url_for("survey.imports_page")
    )


@bp.route("/dashboard/staff-survey")
@roles_required(*BOARD)
def dashboard():
    year = _year()
    current = year_containing(today_london()).year
    return render_template(
        "survey/dashboard.html",
        year=WresYear(year),
        years=list(range(current, current - 6, -1)),
        survey=queries.survey(current_user.organisation_id, year),
        short_names=queries.SHORT_NAMES,
        can_import=current_user.has_role(Role.HR_ADMIN),
    )


@bp.route("/dashboard/staff-survey/trend.svg")
@roles_required(*BOARD)
def chart():
    document = queries.survey(current_user.organisation_id, _year())
    svg = charts.survey_trend(document["indicators"], queries.SHORT_NAMES)
    return Response(svg, mimetype="image/svg+xml")
