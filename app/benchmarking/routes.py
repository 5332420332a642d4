"""Benchmarking: each organisation's published figures side by side, for the national and
regional teams. Published figures only (stored at each year's close, after disclosure control);
never a person, never an organisation's own pages."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from app.accounts.permissions import roles_required
from app.accounts.roles import Role
from app.benchmarking import charts, presenters, queries
from app.benchmarking.queries import Scope
from app.exports import attachment, csv_bytes
from app.metrics.export import ASPIRATION_ROWS
from app.numbers import ascii_int
from app.pagination import Page
from app.workforce import peer_groups
from app.workforce.wres_year import WresYear

bp = Blueprint("benchmarking", __name__, template_folder="templates")
VIEWERS = (Role.NATIONAL_VIEWER, Role.REGIONAL_VIEWER)
PAGE_SIZE = 25


def _scope() -> Scope:
    if current_user.has_role(Role.NATIONAL_VIEWER):
        return Scope(None)
    return Scope(current_user.organisation.region or "")


def _choice(name: str, allowed) -> str:
    value = request.args.get(name, "")
    return value if value in allowed else ""


def _selection(scope: Scope) -> dict:
    """The year and filters asked for, each checked against what exists (anything else is
    ignored rather than an error: they come from links and the filter form)."""
    years = queries.years(scope)
    year = ascii_int(request.args.get("year"), 2001, 9999)
    year = year if year in years else (years[0] if years else None)
    options = queries.peer_options(scope, year) if year else []
    return {
        "years": years,
        "year": year,
        "options": options,
        "region": _choice("region", {o[0] for o in options}) if scope.national else "",
        "type": _choice("type", {o[1] for o in options} - {""}),
        "size": _choice("size", {o[2] for o in options} - {""}),
        "position": _choice("position", presenters.POSITIONS),
        "sort": _choice("sort", queries.SORTS) or "indicator2",
        "band": _choice("band", ASPIRATION_ROWS) or "8a+",
    }


def _rows(scope: Scope, selection: dict, documents: bool = False) -> list[presenters.Row]:
    if selection["year"] is None:
        return []
    published = queries.published(
        scope,
        selection["year"],
        selection["region"],
        selection["type"],
        selection["size"],
        selection["sort"],
        documents,
    )
    previous = queries.previous_ratios(scope, selection["year"])
    return [presenters.row(figures, organisation, previous) for figures, organisation in published]


@bp.route("/benchmarking")
@roles_required(*VIEWERS)
def index():
    scope = _scope()
    selection = _selection(scope)
    rows = _rows(scope, selection)
    shown = presenters.with_position(rows, selection["position"])
    number = ascii_int(request.args.get("page"), 1) or 1
    number = min(number, max(1, -(-len(shown) // PAGE_SIZE)))
    items = shown[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    presenters.with_documents(items, queries.documents_of([r.figures.id for r in items]))
    page = Page(items, number, PAGE_SIZE, len(shown))
    rate, bme_share = presenters.pooled(rows)
    funnel = charts.funnel(presenters.funnel_points(rows), rate, bme_share)
    return render_template(
        "benchmarking/index.html",
        scope=scope,
        region=None if scope.national else scope.region,
        selection=selection,
        year=WresYear(selection["year"]) if selection["year"] else None,
        rows=rows,
        page=page,
        funnel=funnel,
        marked=presenters.marked(rows),
        filters=presenters.filters(selection, scope),
        query=presenters.query_args(selection),
        sorts={k: v[0] for k, v in queries.SORTS.items()},
        positions=presenters.POSITIONS,
        marks=charts.MARKS,
        short_marks=charts.SHORT_MARKS,
        bands=ASPIRATION_ROWS,
    )


@bp.route("/benchmarking/export.csv")
@roles_required(*VIEWERS)
def download():
    scope = _scope()
    selection = _selection(scope)
    rows = presenters.with_position(_rows(scope, selection, True), selection["position"])
    name = "benchmarking-" + ("england" if scope.national else "region")
    year = f"-{selection['year']}" if selection["year"] else ""  # nothing published: headers
    return attachment(
        csv_bytes(presenters.CSV_COLUMNS, presenters.csv_rows(rows)),
        f"{name}{year}-published.csv",
        "text/csv",
    )


def _organisation(organisation_id: int):
    organisation = queries.organisation_in_scope(_scope(), organisation_id)
    if organisation is None:
        abort(404)
    return organisation


@bp.route("/benchmarking/organisations/<int:organisation_id>")
@roles_required(*VIEWERS)
def organisation(organisation_id: int):
    organisation = _organisation(organisation_id)
    history = [presenters.row(f, organisation, {}) for f in queries.history(organisation.id)]
    year = ascii_int(request.args.get("year"), 2001, 9999)
    latest = next((r for r in history if r.year == year), history[-1])
    return render_template(
        "benchmarking/organisation.html",
        organisation=organisation,
        history=history,
        latest=latest,
        year=WresYear(latest.year),
        trend=charts.trend(presenters.trend_points(history)),
        back=presenters.back_url(request.args),
        marks=charts.MARKS,
        bands=ASPIRATION_ROWS,
        type_name=peer_groups.type_name,
        size_name=peer_groups.size_name,
    )


@bp.route("/benchmarking/organisations/<int:organisation_id>/export.csv")
@roles_required(*VIEWERS)
def organisation_download(organisation_id: int):
    organisation = _organisation(organisation_id)
    rows = [presenters.row(f, organisation, {}) for f in queries.history(organisation.id)]
    return attachment(
        csv_bytes(presenters.CSV_COLUMNS, presenters.csv_rows(rows)),
        f"benchmarking-{organisation.code}-published.csv",
        "text/csv",
    )
