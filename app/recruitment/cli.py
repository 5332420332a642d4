"""`flask recruitment import`, `flask panels import`, `flask panels compliance`."""

from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli_support import emit_json, fail, run_import
from app.recruitment import imports, queries
from app.workforce.services import OrganisationError, resolve_organisation

recruitment_cli = AppGroup("recruitment", help="Vacancies, applications and outcomes.")
panels_cli = AppGroup("panels", help="Shortlisting and interview panels.")

_file = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
_org = click.option(
    "--org", "org_code", help="Organisation code (may be left out when there is only one)."
)
_json = click.option("--json", "as_json", is_flag=True, help="Print JSON on standard output.")


@recruitment_cli.command("import")
@_file
@_org
@_json
def import_recruitment(file: Path, org_code: str | None, as_json: bool) -> None:
    """Import recruitment outcomes (NHS Jobs / Trac), one row per application."""
    run_import(imports.import_recruitment, "recruitment", file, org_code, as_json)


@panels_cli.command("import")
@_file
@_org
@_json
def import_panels(file: Path, org_code: str | None, as_json: bool) -> None:
    """Import panel members; each panel named gets exactly the members listed."""
    run_import(imports.import_panels, "panels", file, org_code, as_json, mapped=False)


@panels_cli.command("compliance")
@click.option("--year", type=int, help="Only vacancies and batches decided in this WRES year.")
@_org
@_json
def compliance(year: int | None, org_code: str | None, as_json: bool) -> None:
    """Panels that break the rule, with and without a recorded exception."""
    try:
        organisation = resolve_organisation(org_code)
        report = queries.panel_compliance(organisation.id, year)
    except (OrganisationError, ValueError) as exc:
        fail(str(exc), as_json=as_json)
    if as_json:
        emit_json(report.as_json())
        return
    click.echo(
        f"{report.panels_compliant} of {report.panels_total} confirmed panels meet the "
        f"rule; {len(report.exceptions)} exceptions, {len(report.breaches)} breaches"
    )
    for row in report.breaches:
        click.echo(
            f"  breach     {row['vacancy_reference'] or row['batch_reference']} {row['stage']}"
        )
    for row in report.exceptions:
        click.echo(
            f"  exception  {row['vacancy_reference'] or row['batch_reference']} "
            f"{row['stage']}: {row['reason']}"
        )
