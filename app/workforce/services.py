"""Operations on organisations, their settings and staff records. Services flush, never commit."""

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app import audit
from app.csvimport import ImportRefused, Problem
from app.extensions import db
from app.import_history import DataImport, finish_import, start_import
from app.timeutil import today_london
from app.workforce import history
from app.workforce.models import (
    BandChange,
    Organisation,
    OrganisationSettings,
    Staff,
)
from app.workforce.staff_file import StaffRow, parse_staff_file

_ODS_CODE = re.compile(r"^[A-Z0-9]{3,10}$")


class OrganisationError(ValueError):
    """An organisation that cannot be created or found, with a message for the person."""


def create_organisation(code: str, name: str, region: str = "") -> Organisation:
    code = code.strip().upper()
    name = name.strip()
    if not _ODS_CODE.match(code):
        raise OrganisationError(
            f"{code!r} is not an organisation code: expected the ODS code, 3 to 10 letters or "
            "digits (for example RAB)"
        )
    if not name:
        raise OrganisationError("Give the organisation a name")
    if db.session.scalar(select(Organisation).where(Organisation.code == code)):
        raise OrganisationError(f"Organisation {code} already exists")
    organisation = Organisation(
        code=code, name=name, region=region.strip(), settings=OrganisationSettings()
    )
    db.session.add(organisation)
    db.session.flush()
    audit.record(
        organisation.id,
        None,
        "organisation.created",
        "organisation",
        organisation.id,
        {"code": code, "name": name},
    )
    return organisation


def resolve_organisation(code: str | None) -> Organisation:
    """The organisation a command names, or the only one there is."""
    if code:
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.code == code.strip().upper())
        )
        if organisation is None:
            raise OrganisationError(
                f"There is no organisation {code.upper()}: add it first with "
                f"`flask orgs add {code.upper()} --name NAME`"
            )
        return organisation
    organisations = list(db.session.scalars(select(Organisation).limit(2)))
    if len(organisations) == 1:
        return organisations[0]
    if not organisations:
        raise OrganisationError(
            "There are no organisations yet: add one with `flask orgs add CODE --name NAME`"
        )
    raise OrganisationError("There is more than one organisation: name one with --org CODE")


SETTING_FIELDS = (
    "panel_min_bme_members",
    "panel_rule_min_band",
    "panel_training_months",
    "panel_independent_required",
    "justification_due_working_days",
    "justification_policy",
    "default_turnover",
    "target_year",
    "suppression_threshold",
    "non_adverse_low",
    "non_adverse_high",
    "mentoring_counts_non_consultant_medical",
)


def _comparable(value):
    return str(value) if isinstance(value, Decimal) else value


def update_settings(settings: OrganisationSettings, values: dict, actor) -> list[str]:
    """Apply new values; every changed setting is audited with its old and new value."""
    changed = {}
    for name in SETTING_FIELDS:
        if name not in values:
            continue
        old, new = getattr(settings, name), values[name]
        if isinstance(old, Decimal) and new is not None:
            new = Decimal(str(new))
        if _comparable(old) != _comparable(new):
            changed[name] = {"from": _comparable(old), "to": _comparable(new)}
            setattr(settings, name, new)
    db.session.flush()
    if changed:
        audit.record(
            settings.organisation_id,
            actor,
            "settings.changed",
            "organisation",
            settings.organisation_id,
            changed,
        )
    return sorted(changed)


# Staff import

_STAFF_FIELDS = (
    "full_name",
    "email",
    "ethnic_category",
    "pay_band",
    "staff_group",
    "board_role",
    "board_voting",
    "start_date",
    "leaving_date",
    "hourly_pay",  # pay gap hook
)


def _organisation_problems(rows: list[StaffRow], organisation: Organisation) -> list[Problem]:
    return [
        Problem(
            row.line,
            "organisation_code",
            f"{row.organisation_code} is not the organisation being imported: expected "
            f"{organisation.code} or blank",
        )
        for row in rows
        if row.organisation_code and row.organisation_code != organisation.code
    ]


def import_staff(
    organisation: Organisation,
    data: bytes,
    filename: str,
    source: str,
    actor=None,
    progress: Callable[[int], None] | None = None,
    as_at: date | None = None,
) -> DataImport:
    """Import an ESR extract: all rows or none. Rows are matched on staff number and updated in
    place, so importing the same file again changes nothing. What changed is recorded in the staff
    history as from `as_at`, the date the extract describes (default today): earlier dates keep
    showing what they showed. Raises ImportRefused."""
    today = today_london()
    as_at = as_at or today
    rows, problems = parse_staff_file(data, progress)
    problems += _organisation_problems(rows, organisation)
    date_problem = history.extract_date_problem(organisation.id, as_at, today)
    if date_problem:
        problems.append(Problem(0, "", date_problem))
    if problems:
        raise ImportRefused(problems)

    existing = {
        staff.staff_number: staff
        for staff in db.session.scalars(
            select(Staff).where(Staff.organisation_id == organisation.id)
        )
    }
    record = start_import(organisation.id, "staff", filename, source, actor)
    record.as_at = as_at
    added: list[Staff] = []
    changed: list[tuple[Staff, list[str]]] = []
    unchanged = updated = 0
    identity_changes: list[dict] = []
    for row in rows:
        values = {name: getattr(row, name) for name in _STAFF_FIELDS}
        if not row.pay_in_file:  # pay gap hook: an extract without pay leaves pay as it was
            del values["hourly_pay"]
        staff = existing.get(row.staff_number)
        if staff is None:
            staff = Staff(organisation_id=organisation.id, staff_number=row.staff_number, **values)
            db.session.add(staff)
            added.append(staff)
            continue
        changes = {name: value for name, value in values.items() if getattr(staff, name) != value}
        if not changes:
            unchanged += 1
            continue
        if "pay_band" in changes:
            staff.band_changes.append(
                BandChange(
                    from_band=staff.pay_band,
                    to_band=row.pay_band,
                    recorded_on=as_at,
                    data_import_id=record.id,
                )
            )
        identity = {
            name: {"before": getattr(staff, name), "after": value}
            for name, value in changes.items()
            if name in IDENTITY_FIELDS
        }
        if identity:
            identity_changes.append({"staff_number": staff.staff_number, **identity})
        for name, value in changes.items():
            setattr(staff, name, value)
        updated += 1
        dated = [name for name in changes if name in history.FIELDS]
        if dated:
            changed.append((staff, dated))
    db.session.flush()
    history.record_import(organisation.id, record.id, as_at, added, changed)
    record.rows_added, record.rows_updated, record.rows_unchanged = len(added), updated, unchanged
    _audit_identity_changes(organisation.id, record, identity_changes, actor)
    return finish_import(record, actor, source=source, as_at=as_at.isoformat())


# Who a record is: a change to these is listed, before and after, in the audit trail, so a file
# that renames someone or moves an email address onto their record is visible afterwards.
# (Staff numbers match rows to records, so an import never changes one.)
IDENTITY_FIELDS = ("full_name", "email")
_IDENTITY_CHANGES_PER_ENTRY = 500


def _audit_identity_changes(
    organisation_id: int, record: DataImport, changes: list[dict], actor
) -> None:
    for start in range(0, len(changes), _IDENTITY_CHANGES_PER_ENTRY):
        chunk = changes[start : start + _IDENTITY_CHANGES_PER_ENTRY]
        audit.record(
            organisation_id,
            actor,
            "staff.identity_changed",
            "data_import",
            record.id,
            {"count": len(changes), "changes": chunk},
        )
