"""Dashboards for HR and the chair, charts, the WRES return download; the regional view's old
address."""

from datetime import date

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import figure_cache
from app.accounts.permissions import roles_required
from app.accounts.roles import Role
from app.exports import attachment
from app.extensions import db
from app.metrics import charts, export, formulas, queries, sections
from app.metrics.models import MetricSnapshot
from app.numbers import ascii_int
from app.timeutil import today_london
from app.workforce.bands import SENIOR_BANDS, band_name
from app.workforce.models import OrganisationSettings
from app.workforce.wres_year import WresYear, year_containing

bp = Blueprint("metrics", __name__, template_folder="templates")
BOARD = (Role.HR_ADMIN, Role.CHAIR)


def _year() -> int:
    current = year_containing(today_london()).year
    raw = request.args.get("year", "")
    return ascii_int(raw, 2001, current) or current


def _years() -> list[int]:
    current = year_containing(today_london()).year
    return list(range(current, current - 6, -1))


def _turnover_override() -> tuple[float | None, str | None]:
    raw = request.args.get("turnover", "").strip().rstrip("%")
    if not raw:
        return None, None
    try:
        value = float(raw) / 100
    except ValueError:
        return None, "Enter turnover as a percentage, for example 12.5"
    if not 0 <= value <= 1:
        return None, "Enter a turnover between 0 and 100 per cent"
    return value, None


def _as_at(year: int) -> date:
    return queries.aspiration_as_at(year, today_london())


def _dashboard() -> sections.Dashboard:
    override, override_error = _turnover_override()
    return sections.Dashboard(
        current_user.organisation_id,
        WresYear(_year()),
        today_london(),
        override,
        request.args.get("turnover", ""),
        override_error,
    )


def _common() -> dict:
    return {
        "years": _years(),
        "sections": sections.SECTIONS,
        "band_name": band_name,
        "classifications": export.CLASSIFICATIONS,
        "statuses": export.STATUSES,
        "turnover_sources": export.TURNOVER_SOURCES,
    }


@bp.route("/dashboard")
@roles_required(*BOARD)
def dashboard():
    """The contents: every section with its headline figure and the dates it describes."""
    d = _dashboard()
    return render_template(
        "metrics/dashboard.html",
        d=d,
        year=d.year,
        figures={s.slug: s.figures_for(d) for s in sections.SECTIONS if not s.endpoint},
        threshold=d.settings.suppression_threshold,
        **_common(),
    )


@bp.route("/dashboard/<slug>")
@roles_required(*BOARD)
def section(slug: str):
    chosen = sections.find(slug)
    if chosen is None:
        abort(404)
    if chosen.endpoint:
        return redirect(url_for(chosen.endpoint, year=_year()))
    d = _dashboard()
    index = sections.SECTIONS.index(chosen)
    return render_template(
        "metrics/section.html",
        d=d,
        year=d.year,
        section=chosen,
        f=chosen.figures_for(d),
        previous=sections.SECTIONS[index - 1] if index else None,
        next=sections.SECTIONS[index + 1] if index + 1 < len(sections.SECTIONS) else None,
        **_common(),
    )


@bp.route("/dashboard/charts/<name>.svg")
@roles_required(*BOARD)
def chart(name: str):
    org_id = current_user.organisation_id
    year = _year()
    settings = db.session.get(OrganisationSettings, org_id)
    if name == "indicator2-trend":
        svg = charts.indicator2_trend(
            figure_cache.cached(
                org_id, "chart.indicator2_trend", (), lambda: queries.indicator2_trend(org_id)
            ),
            float(settings.non_adverse_low),
            float(settings.non_adverse_high),
        )
    elif name == "senior-shares":
        aspiration = figure_cache.cached(
            org_id, "chart.aspiration", (year,), lambda: queries.aspiration(org_id, _as_at(year))
        )
        svg = charts.band_shares(
            [
                {
                    "label": band_name(b["band"]) if b["band"] in SENIOR_BANDS else b["band"],
                    "bme_share": b["bme_share"],
                }
                for b in aspiration["bands"]
            ],
            aspiration["target_share"],
        )
    elif name == "trajectory":
        override = _turnover_override()[0]
        path, actual, target = (
            trajectory(org_id, year, override)
            if override is not None
            else figure_cache.cached(
                org_id, "chart.trajectory", (year,), lambda: trajectory(org_id, year, None)
            )
        )
        svg = charts.trajectory(path, actual, target)
    else:
        abort(404)
    return Response(svg, mimetype="image/svg+xml")


def trajectory(org_id: int, year: int, override: float | None):
    """The 8a-and-above pipeline: required path to the target year, against actual shares
    at each 31 March (as reported in stored snapshots where there are any)."""
    settings = db.session.get(OrganisationSettings, org_id)
    as_at = _as_at(year)
    aspiration = queries.aspiration(org_id, as_at, settings.target_year, override)
    pipeline = next(b for b in aspiration["bands"] if b["band"] == "8a+")
    path = []
    if pipeline["bme_share"] is not None and pipeline["required_recruit_share"] is not None:
        steps = formulas.trajectory(
            pipeline["bme_share"],
            pipeline["required_recruit_share"],
            pipeline["turnover"],
            pipeline["years"],
        )
        path = [(as_at.year + n, value) for n, value in enumerate(steps)]
    stored = {
        s.taken_on: s.data.get("band_bme_shares", {}).get("8a+")
        for s in db.session.scalars(
            select(MetricSnapshot).where(
                MetricSnapshot.organisation_id == org_id,
                db.extract("month", MetricSnapshot.taken_on) == 3,
                db.extract("day", MetricSnapshot.taken_on) == 31,
            )
        )
    }
    marches = [
        date(y, 3, 31)
        for y in range(as_at.year - 4, as_at.year + 1)
        if date(y, 3, 31) <= today_london()
    ]
    history = queries.senior_shares_history(org_id, [d for d in marches if d not in stored])
    actual = {d: v for d, v in stored.items() if v is not None}
    for row in history:
        if row["bme_share"] is not None:
            actual.setdefault(row["as_at"], row["bme_share"])
    return path, sorted(actual.items()), aspiration["target_share"]


@bp.route("/dashboard/export.<fmt>")
@roles_required(*BOARD)
def download(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    organisation = current_user.organisation
    year = _year()
    publish = request.args.get("publish") == "1"
    threshold = db.session.get(OrganisationSettings, organisation.id).suppression_threshold
    build = export.csv_export if fmt == "csv" else export.xlsx_export
    data = build(organisation, year, publish, threshold, today_london())
    name = f"wres-{organisation.code}-{year}{'-published' if publish else ''}.{fmt}"
    mimetype = (
        "text/csv"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return attachment(data, name, mimetype)


@bp.route("/regional")
@roles_required(Role.REGIONAL_VIEWER, Role.NATIONAL_VIEWER)
def regional():
    """The regional view is the benchmarking page, scoped to the viewer's region."""
    year = ascii_int(request.args.get("year", ""), 2001, 9999)
    return redirect(url_for("benchmarking.index", **({"year": year} if year else {})))
