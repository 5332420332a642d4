"""Indicators 3 and 4: their dashboard section, its charts, and HR's upload pages."""

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app.accounts.permissions import roles_required
from app.accounts.roles import Role
from app.import_history import IMPORT_KINDS
from app.metrics.export import CLASSIFICATIONS
from app.numbers import ascii_int
from app.timeutil import today_london
from app.uploads import upload_page
from app.workforce.wres_year import WresYear, year_containing
from app.wres_return import charts, queries
from app.wres_return.imports import import_disciplinary, import_training

bp = Blueprint("wres_return", __name__, template_folder="templates")
BOARD = (Role.HR_ADMIN, Role.CHAIR)
IMPORTERS = {"disciplinary": import_disciplinary, "training": import_training}


def _year() -> int:
    current = year_containing(today_london()).year
    return ascii_int(request.args.get("year", ""), 2001, current) or current


@bp.route("/dashboard/disciplinary-and-training")
@roles_required(*BOARD)
def section():
    org_id = current_user.organisation_id
    year = _year()
    current = year_containing(today_london()).year
    return render_template(
        "wres_return/section.html",
        year=WresYear(year),
        years=list(range(current, current - 6, -1)),
        indicator3=_dated(queries.indicator3(org_id, year)),
        indicator3_single=_dated(queries.indicator3(org_id, year, single_year=True)),
        indicator4=_dated(queries.indicator4(org_id, year)),
        trend3=queries.trend(org_id, 3, year),
        trend4=queries.trend(org_id, 4, year),
        classifications=CLASSIFICATIONS_FOR_STAFF,
        can_import=current_user.has_role(Role.HR_ADMIN),
    )


def _dated(document: dict) -> dict:
    """The command's document with its ISO dates as dates, for the page's date filter."""
    return document | {
        "period_start": date.fromisoformat(document["period_start"]),
        "period_end": date.fromisoformat(document["period_end"]),
        "headcount_dates": [date.fromisoformat(d) for d in document["headcount_dates"]],
    }


# The export's words name applicants (indicator 2); these figures are about staff.
CLASSIFICATIONS_FOR_STAFF = {
    key: words.replace("applicants", "staff") for key, words in CLASSIFICATIONS.items()
}


@bp.route("/dashboard/disciplinary-and-training/charts/<name>.svg")
@roles_required(*BOARD)
def chart(name: str):
    org_id = current_user.organisation_id
    year = _year()
    indicator = {"indicator3-trend": 3, "indicator4-trend": 4}.get(name)
    if indicator is None:
        abort(404)
    low, high = (float(limit) for limit in queries.limits(org_id))
    svg = charts.trend(queries.trend(org_id, indicator, year), indicator, low, high)
    return Response(svg, mimetype="image/svg+xml")


@bp.route("/<any(disciplinary, training):kind>/imports", methods=["GET", "POST"])
@roles_required(Role.HR_ADMIN)
def imports_page(kind: str):
    return upload_page(
        kind,
        IMPORTERS[kind],
        "wres_return/imports.html",
        url_for("wres_return.imports_page", kind=kind),
        kind=kind,
        title=IMPORT_KINDS[kind],
    )
