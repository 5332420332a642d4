"""`flask report board --year Y --format pdf|html --out FILE [--publish]`."""

from pathlib import Path

import click
from flask.cli import AppGroup

from app.board_report import report
from app.cli_support import fail
from app.timeutil import today_london
from app.workforce.services import OrganisationError, resolve_organisation

report_cli = AppGroup("report", help="Reports for the board.")


@report_cli.command("board")
@click.option("--year", type=click.IntRange(2001, 2100), required=True, help="WRES year.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "html"]), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--publish", is_flag=True, help="Apply disclosure control for publication.")
@click.option(
    "--org", "org_code", help="Organisation code (may be left out when there is only one)."
)
def board(year, fmt, out, publish, org_code):
    """Write the board report for a WRES year."""
    try:
        organisation = resolve_organisation(org_code)
    except OrganisationError as exc:
        fail(str(exc))
    built = report.build(organisation, year, today_london(), publish)
    html = report.render_html(built, inline_css=True)
    if fmt == "pdf":
        try:
            data = report.render_pdf(html)
        except report.PdfUnavailable as exc:
            fail(str(exc))
    else:
        data = html.encode()
    try:
        out.write_bytes(data)
    except OSError as exc:
        fail(f"could not write {out}: {exc.strerror}")
    click.echo(
        f"Wrote the board report for {organisation.code} {year} to {out}"
        f"{' (for publication)' if publish else ''}",
        err=True,
    )
