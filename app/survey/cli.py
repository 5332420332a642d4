"""`flask survey import`."""

from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli_support import run_import
from app.survey.imports import import_survey

survey_cli = AppGroup("survey", help="NHS Staff Survey results (WRES indicators 5 to 8).")


@survey_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_code", help="Organisation code (may be left out when there is one).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on standard output.")
def import_file(file: Path, org_code: str | None, as_json: bool) -> None:
    """Import staff survey results by ethnic group: all rows or none."""
    run_import(import_survey, "survey", file, org_code, as_json)
