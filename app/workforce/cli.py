"""`flask orgs ...`, `flask staff import`, `flask seed-demo`."""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.cli_support import emit_json, fail
from app.csvimport import RACE, ImportRefused, read_rows
from app.extensions import db
from app.import_jobs import refuse_if_busy
from app.workforce import peer_groups, services
from app.workforce.models import Organisation

orgs_cli = AppGroup("orgs", help="Organisations.")
_TYPE_HELP = "Benchmarking type: " + ", ".join(peer_groups.ORGANISATION_TYPES) + "."
_SIZE_HELP = "Benchmarking size band: " + ", ".join(peer_groups.SIZE_BANDS) + "."
staff_cli = AppGroup("staff", help="Staff records.")

PROGRESS_FROM_ROWS = 2000


@orgs_cli.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The organisation's name.")
@click.option("--region", default="", help="NHS England region, for regional viewers.")
@click.option("--type", "organisation_type", default="", help=_TYPE_HELP)
@click.option("--size-band", default="", help=_SIZE_HELP)
def add_org(code: str, name: str, region: str, organisation_type: str, size_band: str) -> None:
    """Create an organisation with the default settings."""
    kind, size = _peer_group(organisation_type, size_band)
    try:
        organisation = services.create_organisation(code, name, region)
    except services.OrganisationError as exc:
        fail(str(exc))
    services.set_peer_group(organisation, kind, size, None)
    db.session.commit()
    click.echo(f"Added organisation {organisation.code}: {organisation.name}", err=True)


@orgs_cli.command("set")
@click.argument("code")
@click.option("--region", default=None, help="NHS England region, for regional viewers.")
@click.option("--type", "organisation_type", default=None, help=_TYPE_HELP)
@click.option("--size-band", default=None, help=_SIZE_HELP)
def set_org(code: str, region: str | None, organisation_type: str | None, size_band: str | None):
    """Change an organisation's region or benchmarking peer group (type and size band)."""
    try:
        organisation = services.resolve_organisation(code)
    except services.OrganisationError as exc:
        fail(str(exc))
    kind, size = _peer_group(
        organisation.organisation_type if organisation_type is None else organisation_type,
        organisation.size_band if size_band is None else size_band,
    )
    services.set_peer_group(organisation, kind, size, None)
    if region is not None and region.strip() != organisation.region:
        services.set_region(organisation, region.strip())
    db.session.commit()
    click.echo(f"Updated organisation {organisation.code}", err=True)


def _peer_group(organisation_type: str, size_band: str) -> tuple[str, str]:
    try:
        return peer_groups.parse_type(organisation_type), peer_groups.parse_size_band(size_band)
    except ValueError as exc:
        fail(str(exc))


@orgs_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on standard output.")
def list_orgs(as_json: bool) -> None:
    """List organisations."""
    rows = db.session.scalars(select(Organisation).order_by(Organisation.code)).all()
    if as_json:
        emit_json(
            [
                {
                    "code": o.code,
                    "name": o.name,
                    "region": o.region,
                    "type": o.organisation_type,
                    "size_band": o.size_band,
                }
                for o in rows
            ]
        )
    else:
        for organisation in rows:
            click.echo(f"{organisation.code}\t{organisation.name}")


@staff_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--org",
    "org_code",
    help="Organisation code; may be left out when there is only one, or when the file names it.",
)
@click.option(
    "--as-at",
    "as_at",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The date the extract describes (default today): its changes count from that date.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the result as JSON on standard output."
)
def import_staff(file: Path, org_code: str | None, as_at, as_json: bool) -> None:
    """Import an ESR staff extract: all rows or none."""
    data = file.read_bytes()
    as_at = as_at.date() if as_at else None
    try:
        # Its id and code only: the import touches no mapped object (ImportRecord says why).
        organisation = services.organisation_reference(org_code or _single_code_in(data))
    except services.OrganisationError as exc:
        fail(str(exc), as_json=as_json)
    except ImportRefused as refused:
        fail("the file was not imported; nothing was changed", refused.problems, as_json)
    lines = data.count(b"\n")
    try:
        refuse_if_busy(organisation.id, "staff")
        if lines >= PROGRESS_FROM_ROWS:
            with click.progressbar(
                length=lines, label="Checking and importing rows", file=sys.stderr
            ) as bar:
                record = services.import_staff(
                    organisation,
                    data,
                    file.name,
                    "command line",
                    progress=bar.update,
                    as_at=as_at,
                )
        else:
            record = services.import_staff(
                organisation, data, file.name, "command line", as_at=as_at
            )
        db.session.commit()
    except ImportRefused as refused:
        fail("the file was not imported; nothing was changed", refused.problems, as_json)
    except IntegrityError:
        fail("the file was not imported; nothing was changed", [RACE], as_json)
    if as_json:
        emit_json(
            {
                "organisation_code": organisation.code,
                "file": file.name,
                "rows": record.rows,
                "added": record.rows_added,
                "updated": record.rows_updated,
                "unchanged": record.rows_unchanged,
            }
        )
    click.echo(
        f"Imported {file.name} into {organisation.code} as at {record.as_at:%d %B %Y}: "
        f"{record.summary}",
        err=True,
    )


def _single_code_in(data: bytes) -> str | None:
    """The organisation the file itself names, when it names exactly one.

    Reads only that column; the rows are checked once, by the import itself.
    """
    codes = {
        row.text("organisation_code").upper() for row in read_rows(data, [], ["organisation_code"])
    }
    codes.discard("")
    return codes.pop() if len(codes) == 1 else None


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when an organisation already exists.")
@click.option(
    "--staff",
    "staff_count",
    default=6000,
    show_default=True,
    help="Roughly how many staff to make.",
)
def seed_demo(if_empty: bool, staff_count: int) -> None:
    """Make a believable synthetic trust with one login per role."""
    from app import demo
    from app.workforce.demo import LOGINS, ORG_CODE, PASSWORD

    if if_empty and db.session.scalar(select(Organisation.id).limit(1)) is not None:
        click.echo("The database already has data; demo data not added.", err=True)
    else:
        summary = demo.seed(staff_count)
        db.session.commit()
        click.echo(
            f"Made demo trust {ORG_CODE} with {summary['staff']} staff "
            f"({summary['bme_share']:.1%} BME of known ethnicities), {summary['vacancies']} "
            f"vacancies in {summary['batches']} batches and alone, "
            f"{summary['applications']} applications.",
            err=True,
        )
    click.echo("Demo logins (password for each: " + PASSWORD + "):")
    for email, role in LOGINS:
        click.echo(f"  {email:32} {role}")
