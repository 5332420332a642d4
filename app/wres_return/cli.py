"""`flask disciplinary import`, `flask training import`, and `flask metrics indicator3` and
`indicator4` (added to the metrics group by register_commands)."""

from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli_support import emit_json, fail, run_import
from app.workforce.services import OrganisationError, resolve_organisation
from app.wres_return import queries
from app.wres_return.imports import import_disciplinary, import_training

disciplinary_cli = AppGroup("disciplinary", help="Disciplinary case starts (WRES indicator 3).")
training_cli = AppGroup("training", help="Training and CPD records (WRES indicator 4).")

_file = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
_org = click.option(
    "--org", "org_code", help="Organisation code (may be left out when there is only one)."
)
_json = click.option("--json", "as_json", is_flag=True, help="Print JSON on standard output.")
_year = click.option("--year", type=click.IntRange(2001, 2100), required=True, help="WRES year.")


@disciplinary_cli.command("import")
@_file
@_org
@_json
def import_cases(file: Path, org_code: str | None, as_json: bool) -> None:
    """Import case starts (case_reference, staff_number, investigation_start_date)."""
    run_import(import_disciplinary, "disciplinary", file, org_code, as_json)


@training_cli.command("import")
@_file
@_org
@_json
def import_records(file: Path, org_code: str | None, as_json: bool) -> None:
    """Import training records (staff_number, course, start_date, mandatory)."""
    run_import(import_training, "training", file, org_code, as_json)


def _organisation(org_code, as_json):
    try:
        return resolve_organisation(org_code)
    except OrganisationError as exc:
        fail(str(exc), as_json=as_json)


def _show(document: dict, as_json: bool, what: str) -> None:
    if as_json:
        emit_json(document)
        return
    ratio = document["relative_likelihood"]
    click.echo(
        f"{what} {document['period_start']} to {document['period_end']}: "
        f"{'not available' if ratio is None else f'{ratio:.2f}'} ({document['classification']})"
        f"{' - ' + document['note'] if document['note'] else ''}"
    )


@click.command("indicator3")
@_year
@click.option(
    "--single-year", is_flag=True, help="Only the year given, not the two years ending with it."
)
@_org
@_json
def indicator3(year: int, single_year: bool, org_code, as_json: bool) -> None:
    """Relative likelihood of BME vs white staff entering a formal disciplinary investigation."""
    organisation = _organisation(org_code, as_json)
    _show(queries.indicator3(organisation.id, year, single_year), as_json, "Indicator 3")


@click.command("indicator4")
@_year
@_org
@_json
def indicator4(year: int, org_code, as_json: bool) -> None:
    """Relative likelihood of white vs BME staff accessing non-mandatory training and CPD."""
    organisation = _organisation(org_code, as_json)
    _show(queries.indicator4(organisation.id, year), as_json, "Indicator 4")
