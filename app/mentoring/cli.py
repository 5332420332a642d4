"""`flask mentoring import` and `flask mentoring coverage`."""

from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli_support import emit_json, fail, run_import
from app.mentoring import queries
from app.mentoring.imports import import_mentoring
from app.workforce.services import OrganisationError, resolve_organisation

mentoring_cli = AppGroup("mentoring", help="Mentoring, reverse mentoring and sponsorship.")


@mentoring_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_code", help="Organisation code (may be left out when there is one).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on standard output.")
def import_file(file: Path, org_code: str | None, as_json: bool) -> None:
    """Import relationships (a last session date becomes one imported session)."""
    run_import(import_mentoring, "mentoring", file, org_code, as_json)


@mentoring_cli.command("coverage")
@click.option("--year", type=int, required=True, help="The appraisal (WRES) year, e.g. 2026.")
@click.option("--org", "org_code", help="Organisation code (may be left out when there is one).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on standard output.")
def coverage(year: int, org_code: str | None, as_json: bool) -> None:
    """Each VSM and board member in post at the year's end: met or not."""
    try:
        organisation = resolve_organisation(org_code)
        report = queries.coverage(organisation.id, year)
    except (OrganisationError, ValueError) as exc:
        fail(str(exc), as_json=as_json)
    if as_json:
        emit_json(report.as_json())
        return
    click.echo(
        f"{report.leaders_met} of {len(report.leaders)} senior leaders meet the "
        f"commitment in {year}"
    )
    for leader in report.leaders:
        click.echo(
            f"  {'met    ' if leader.met else 'not met'} {leader.staff_number} "
            f"{leader.name} ({leader.role}): {leader.counting_relationships} counting, "
            f"{leader.sessions_in_year} sessions"
        )
