"""`flask justifications list` and `flask audit verify`."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app import audit
from app.cli_support import emit_json, fail
from app.extensions import db
from app.justifications.models import STATUSES, Justification
from app.workforce.models import Organisation
from app.workforce.services import OrganisationError, resolve_organisation

justifications_cli = AppGroup("justifications", help="Justifications to the chair.")
audit_cli = AppGroup("audit", help="The audit trail.")


def _iso(value):
    return value.isoformat() if value else None


@justifications_cli.command("list")
@click.option("--status", type=click.Choice(list(STATUSES)), help="Only this status.")
@click.option("--org", "org_code", help="Organisation code (may be left out when there is one).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on standard output.")
def list_justifications(status: str | None, org_code: str | None, as_json: bool) -> None:
    """Justifications with vacancy or batch, applicants, status and due date."""
    try:
        organisation = resolve_organisation(org_code)
    except OrganisationError as exc:
        fail(str(exc), as_json=as_json)
    query = select(Justification).where(Justification.organisation_id == organisation.id)
    if status:
        query = query.where(Justification.status == status)
    rows = [
        {
            "vacancy_reference": j.vacancy.reference if j.vacancy else None,
            "batch_reference": j.batch.reference if j.batch else None,
            "applicants": sorted(a.application.applicant.reference for a in j.applicants),
            "status": j.status,
            "decision_date": _iso(j.decision_date),
            "due_date": _iso(j.due_date),
            "submitted_at": _iso(j.submitted_at),
        }
        for j in db.session.scalars(query.order_by(Justification.due_date, Justification.id))
    ]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(
            f"{row['vacancy_reference'] or row['batch_reference']:12} {row['status']:28} "
            f"due {row['due_date']}  {', '.join(row['applicants'])}"
        )


@audit_cli.command("verify")
def verify() -> None:
    """Check every organisation's audit trail against its chain and every signed checkpoint;
    when all is intact, sign a new checkpoint of what is there now."""
    report = audit.verify_all()
    codes = dict(db.session.execute(select(Organisation.id, Organisation.code)).all())
    for problem in report.problems:
        click.echo(problem, err=True)
    for organisation_id, trail in report.trails.items():
        label = codes.get(organisation_id) or f"organisation #{organisation_id}"
        if trail.problems:
            for problem in trail.problems:
                click.echo(f"{label}: {problem}", err=True)
        else:
            click.echo(f"{label}: audit trail intact ({trail.entries} entries)")
    if not report.intact:
        db.session.rollback()
        click.echo("The audit trail has been tampered with; no checkpoint was written.", err=True)
        raise SystemExit(1)
    written = audit.write_checkpoints(report)
    db.session.commit()
    click.echo(f"{written} checkpoint(s) written to the database and {audit.checkpoint_path()}")
