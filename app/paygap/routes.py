"""The ethnicity pay gap page for HR and the chair, with its charts."""

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from app.accounts.permissions import roles_required
from app.accounts.roles import Role
from app.extensions import db
from app.metrics import charts
from app.numbers import ascii_int
from app.paygap import queries
from app.timeutil import today_london
from app.workforce.bands import STAFF_GROUP_NAMES, band_name
from app.workforce.models import OrganisationSettings
from app.workforce.wres_year import WresYear, year_containing

bp = Blueprint("paygap", __name__, template_folder="templates")
BOARD = (Role.HR_ADMIN, Role.CHAIR)


def _year() -> int:
    current = year_containing(today_london()).year
    return ascii_int(request.args.get("year", ""), 2001, current) or current


def shown(row: dict, threshold: int) -> bool:
    """A breakdown's pay figures are shown only when both groups are larger than the suppression
    threshold: with fewer, the figure says too much about a few people's pay."""
    return row["white_staff"] > threshold and row["bme_staff"] > threshold


@bp.route("/dashboard/pay-gap")
@roles_required(*BOARD)
def dashboard():
    year = _year()
    current = year_containing(today_london()).year
    settings = db.session.get(OrganisationSettings, current_user.organisation_id)
    gap = queries.pay_gap(current_user.organisation_id, year)
    return render_template(
        "paygap/dashboard.html",
        year=WresYear(year),
        years=list(range(current, current - 6, -1)),
        gap=gap,
        threshold=settings.suppression_threshold,
        shown=shown,
        breakdown_rows=_labelled(gap),
    )


def _labelled(gap: dict) -> list[tuple[str, dict]]:
    return [(band_name(r["band"]), r) for r in gap["bands"]] + [
        (STAFF_GROUP_NAMES.get(r["staff_group"], r["staff_group"]), r) for r in gap["staff_groups"]
    ]


@bp.route("/dashboard/pay-gap/<name>.svg")
@roles_required(*BOARD)
def chart(name: str):
    gap = queries.pay_gap(current_user.organisation_id, _year())
    threshold = db.session.get(
        OrganisationSettings, current_user.organisation_id
    ).suppression_threshold
    if name == "quartiles":
        known = gap["white_staff"] + gap["bme_staff"]
        svg = charts.pay_quartiles(gap["quartiles"], gap["bme_staff"] / known if known else None)
    elif name == "breakdown":
        svg = charts.pay_gaps(
            [{**r, "label": label} for label, r in _labelled(gap) if shown(r, threshold)]
        )
    else:
        abort(404)
    return Response(svg, mimetype="image/svg+xml")
