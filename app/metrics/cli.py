"""`flask metrics indicator2`, `flask metrics aspiration`, `flask export wres`."""

from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli_support import emit_json, fail
from app.extensions import db
from app.metrics import export, queries
from app.timeutil import today_london
from app.workforce.models import OrganisationSettings
from app.workforce.services import OrganisationError, resolve_organisation

metrics_cli = AppGroup("metrics", help="WRES indicators and the leadership aspiration.")
export_cli = AppGroup("export", help="Exports.")

_org = click.option(
    "--org", "org_code", help="Organisation code (may be left out when there is only one)."
)
_json = click.option("--json", "as_json", is_flag=True, help="Print JSON on standard output.")
BAND_KEYS = (
    "band",
    "headcount",
    "bme",
    "white",
    "unknown",
    "bme_share",
    "bme_share_of_headcount",
    "turnover",
    "turnover_source",
    "years",
    "required_recruit_share",
    "required_bme_recruits_per_year",
    "observed_recruit_share",
    "on_track",
    "status",
    "note",
)


def _organisation(org_code, as_json=False):
    try:
        return resolve_organisation(org_code)
    except OrganisationError as exc:
        fail(str(exc), as_json=as_json)


def _fmt(value) -> str:
    return "not available" if value is None else f"{value:.2f}"


@metrics_cli.command("indicator2")
@click.option("--year", type=click.IntRange(2001, 2100), required=True, help="WRES year.")
@click.option("--by", type=click.Choice(["band", "staff-group"]), help="Break down by.")
@click.option("--exclude-international", is_flag=True, help="Leave out international recruitment.")
@_org
@_json
def indicator2(year, by, exclude_international, org_code, as_json):
    """Relative likelihood of white vs BME shortlisted applicants being appointed."""
    organisation = _organisation(org_code, as_json)
    document = queries.indicator2(organisation.id, year, by, exclude_international)
    if as_json:
        emit_json(document)
        return
    for item in document.get("groups", [document]):
        label = item.get("band") or item.get("staff_group") or "All"
        click.echo(
            f"{label}: {_fmt(item['relative_likelihood'])} "
            f"({item['classification']}){' - ' + item['note'] if item['note'] else ''}"
        )


@metrics_cli.command("aspiration")
@click.option(
    "--as-at",
    "as_at",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="Snapshot date, e.g. 2026-03-31.",
)
@click.option(
    "--target-year",
    type=click.IntRange(2000, 2100),
    default=None,
    help="Defaults to the organisation's setting (2028).",
)
@click.option(
    "--turnover",
    type=click.FloatRange(0, 1),
    default=None,
    help="Annual turnover to assume for every band, as a fraction (0.12).",
)
@_org
@_json
def aspiration(as_at, target_year, turnover, org_code, as_json):
    """Progress toward the leadership aspiration at each band from 8a up and on the board."""
    organisation = _organisation(org_code, as_json)
    document = queries.aspiration(organisation.id, as_at.date(), target_year, turnover)
    if as_json:
        emit_json(
            {
                "as_at": document["as_at"],
                "target_year": document["target_year"],
                "target_share": document["target_share"],
                "bands": [{k: b[k] for k in BAND_KEYS} for b in document["bands"]],
            }
        )
        return
    click.echo(
        f"Target: BME share {_fmt(document['target_share'])} by "
        f"{document['target_year']} (workforce on {document['as_at']})"
    )
    for b in document["bands"]:
        click.echo(
            f"  {b['band']:6} share {_fmt(b['bme_share'])} needs "
            f"{_fmt(b['required_recruit_share'])} of recruits: {b['status']}"
        )


@metrics_cli.command("survey")
@click.option("--year", type=click.IntRange(2001, 2100), required=True, help="WRES year.")
@_org
@_json
def survey(year, org_code, as_json):
    """Indicators 5 to 8 from the staff survey run in the autumn inside the WRES year."""
    from app.survey import queries as survey_queries

    organisation = _organisation(org_code, as_json)
    document = survey_queries.survey(organisation.id, year)
    if as_json:
        emit_json(document)
        return
    click.echo(f"Staff survey {document['survey_year']} (WRES year {year}):")
    for item in document["indicators"]:
        gap = "not available" if item["gap_points"] is None else f"{item['gap_points']:+.1f}"
        click.echo(
            f"  {item['indicator']}: white {_percent(item['white_percent'])}, BME "
            f"{_percent(item['bme_percent'])}, gap {gap} points"
            f"{' - ' + item['note'] if item['note'] else ''}"
        )


@metrics_cli.command("pay-gap")
@click.option("--year", type=click.IntRange(2001, 2100), required=True, help="WRES year.")
@_org
@_json
def pay_gap(year, org_code, as_json):
    """Mean and median hourly pay gap, white vs BME, as at 31 March, with pay quartiles."""
    from app.paygap import queries as paygap_queries

    organisation = _organisation(org_code, as_json)
    document = paygap_queries.pay_gap(organisation.id, year)
    if as_json:
        emit_json(document)
        return
    click.echo(
        f"Pay gap as at {document['as_at']}: mean {_percent(document['mean_gap_percent'])}, "
        f"median {_percent(document['median_gap_percent'])} ({document['white_staff']} white, "
        f"{document['bme_staff']} BME, {document['unknown_staff']} unknown with pay)"
        f"{' - ' + document['note'] if document['note'] else ''}"
    )
    for q in document["quartiles"]:
        click.echo(
            f"  quartile {q['quartile']}: {q['staff']} staff, BME share {_fmt(q['bme_share'])}"
        )


def _percent(value) -> str:
    return "not available" if value is None else f"{value:.1f}%"


@export_cli.command("wres")
@click.option("--year", type=click.IntRange(2001, 2100), required=True, help="WRES year.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--publish", is_flag=True, help="Apply disclosure control for publication.")
@_org
def wres(year, fmt, out, publish, org_code):
    """Write the WRES return."""
    organisation = _organisation(org_code)
    threshold = db.session.get(OrganisationSettings, organisation.id).suppression_threshold
    build = export.csv_export if fmt == "csv" else export.xlsx_export
    try:
        out.write_bytes(build(organisation, year, publish, threshold, today_london()))
    except OSError as exc:
        fail(f"could not write {out}: {exc.strerror}")
    click.echo(
        f"Wrote the WRES return for {organisation.code} {year} to {out}"
        f"{' (for publication)' if publish else ''}",
        err=True,
    )
