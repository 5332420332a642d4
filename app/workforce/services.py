"""Operations on organisations, their settings and staff records. Services flush, never commit."""

import hashlib
import operator
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import func, inspect, select

from app import audit, bulk
from app.csvimport import ImportRefused, Problem, describe_date_formats, noting_date_formats
from app.extensions import db
from app.import_history import DataImport, ImportRecord, begin_import, end_import
from app.timeutil import today_london, utcnow
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


class OrganisationRef(NamedTuple):
    """An organisation's id and code, read as SQL: what a command that touches no mapped object
    needs of it (see `import_history.ImportRecord`)."""

    id: int
    code: str


def resolve_organisation(code: str | None) -> Organisation:
    """The organisation a command names, or the only one there is."""
    return _resolved(
        code, lambda where: list(db.session.scalars(select(Organisation).where(*where).limit(2)))
    )


def organisation_reference(code: str | None) -> OrganisationRef:
    """`resolve_organisation`'s organisation as its id and code, with no mapped object."""
    table = Organisation.__table__
    query = select(table.c.id, table.c.code)
    return _resolved(
        code,
        lambda where: [
            OrganisationRef(*row) for row in db.session.execute(query.where(*where).limit(2))
        ],
    )


def _resolved(code: str | None, fetch: Callable[[tuple], list]):
    """The organisation `code` names, or the only one there is: `fetch` gives at most two
    organisations meeting its WHERE clauses."""
    if code:
        found = fetch((Organisation.__table__.c.code == code.strip().upper(),))
        if not found:
            raise OrganisationError(
                f"There is no organisation {code.upper()}: add it first with "
                f"`flask orgs add {code.upper()} --name NAME`"
            )
        return found[0]
    organisations = fetch(())
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


def set_region(organisation: Organisation, region: str) -> None:
    """Move an organisation to another region (which regional viewers see it), audited."""
    audit.record(
        organisation.id,
        None,
        "organisation.region_changed",
        "organisation",
        organisation.id,
        {"from": organisation.region, "to": region},
    )
    organisation.region = region
    db.session.flush()


def set_peer_group(organisation: Organisation, organisation_type: str, size_band: str, actor):
    """Set the organisation's benchmarking peer group (codes from `peer_groups`), audited."""
    changed = {
        name: {"from": getattr(organisation, name), "to": value}
        for name, value in (("organisation_type", organisation_type), ("size_band", size_band))
        if getattr(organisation, name) != value
    }
    for name, change in changed.items():
        setattr(organisation, name, change["to"])
    db.session.flush()
    if changed:
        audit.record(
            organisation.id,
            actor,
            "organisation.peer_group_changed",
            "organisation",
            organisation.id,
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
    organisation: Organisation | OrganisationRef,
    data: bytes,
    filename: str,
    source: str,
    actor=None,
    progress: Callable[[int], None] | None = None,
    as_at: date | None = None,
) -> ImportRecord:
    """Import an ESR extract: all rows or none. Rows are matched on staff number and updated in
    place, so importing the same file again changes nothing. What changed is recorded in the staff
    history as from `as_at`, the date the extract describes (default today): earlier dates keep
    showing what they showed. Raises ImportRefused.

    A row whose text is the one its record was last read from (the same row digest) is not read
    again: a re-import of an unchanged file costs little more than reading the file."""
    today = today_london()
    as_at = as_at or today
    table = Staff.__table__
    # The id without loading an organisation expired by a commit: nothing opens a transaction
    # before the file is read (bulk.read_ahead).
    if isinstance(organisation, OrganisationRef):
        organisation_id = organisation.id
    else:
        organisation_id = inspect(organisation).identity[0]
    stored = (table.c.staff_number, table.c.row_digest, table.c.organisation_id == organisation_id)
    last = _last_staff_import(organisation_id)
    with bulk.read_ahead(
        *stored, before=last, enough=lambda latest: _the_same_file(latest, data)
    ) as (known, still_current, latest):
        same_file = known is None
        if same_file:
            known = {}
            rows, problems, unchanged, codes = [], [], latest[0][2], set()
            date_formats = latest[0][1]
            if progress:
                progress(unchanged)
        else:
            with noting_date_formats() as formats:
                rows, problems, unchanged, codes = parse_staff_file(data, progress, known)
        date_problem = history.extract_date_problem(organisation_id, as_at, today)
        if not still_current() or codes - {"", organisation.code}:
            # Records changed between their digests being read and this transaction beginning
            # (SQLite: see bulk.read_ahead), or rows not read again name another organisation:
            # the file is read again, every row of it when one names another organisation, so
            # each such row is listed.
            known = bulk.mapping(*stored) if codes <= {"", organisation.code} else {}
            with noting_date_formats() as formats:
                rows, problems, unchanged, codes = parse_staff_file(data, None, known)
            same_file = False
    problems += _organisation_problems(rows, organisation)
    if date_problem:
        problems.append(Problem(0, "", date_problem))
    if problems:
        raise ImportRefused(problems)

    # Written as SQL, as everything the import does: it touches no mapped object, so a command
    # that runs it never sets up the mappers (import_history.ImportRecord).
    record = begin_import(
        organisation_id,
        "staff",
        filename,
        source,
        actor,
        as_at,
        date_formats if same_file else describe_date_formats(formats),
        _file_digest(organisation.code, data),
    )
    # An extract without pay columns leaves everyone's pay as it was (pay gap hook).
    fields = _STAFF_FIELDS
    if not any(row.pay_in_file for row in rows):
        fields = tuple(name for name in _STAFF_FIELDS if name != "hourly_pay")
    columns = [table.c[name] for name in fields]
    everyone_new = not known

    now = utcnow()
    new_rows: list[StaffRow] = []
    maybe_changed: dict[str, tuple] = {}
    values_of = operator.itemgetter(*(StaffRow._fields.index(name) for name in fields))
    for row in rows:
        if row.staff_number in known:
            maybe_changed[row.staff_number] = (values_of(row), row.digest)
        else:
            new_rows.append(row)
    del rows

    # New people's rows by one generator, which notes each change line as it goes: PostgreSQL
    # writes the rows already sent while the rest are made (bulk.insert_values), and no list of
    # every row's values is ever made. Their history is copied from their rows in SQL.
    change_log = audit.ChangeLog()
    names = ("organisation_id", "staff_number", "created_at", "updated_at", "row_digest", *fields)

    def added(people):
        add = change_log.add
        for row in people:
            row_values = values_of(row)
            yield (organisation_id, row.staff_number, now, now, row.digest, *row_values)
            add(
                {
                    "staff_number": row.staff_number,
                    "change": "added",
                    "values": dict(zip(fields, row_values, strict=True)),
                }
            )

    bulk.insert_values(table, names, added(new_rows), binary=True)
    if everyone_new:
        if new_rows:
            # The organisation had nobody before this file: every record is one of these.
            history.record_added(organisation_id, record.id, as_at)
    else:
        for chunk in bulk.chunks(new_rows):
            numbers = [row.staff_number for row in chunk]
            history.record_added(
                organisation_id, record.id, as_at, bulk.among(table.c.staff_number, numbers)
            )
    rows_added = len(new_rows)
    del new_rows

    changed: list[tuple[_Version, list[str]]] = []
    updates, band_changes, identity_changes = [], [], []
    # Records the file leaves as they are, whose row reads the same in other words (another
    # date layout, spacing): only their digest is brought up to date.
    new_digests: dict[int, str] = {}
    if maybe_changed:
        for staff_id, number, pay_before, *before in bulk.select_among(
            (table.c.id, table.c.staff_number, table.c.hourly_pay, *columns),
            table.c.staff_number,
            list(maybe_changed),
            table.c.organisation_id == organisation_id,
        ):
            after, digest = maybe_changed[number]
            differences = {
                name: new
                for name, old, new in zip(fields, before, after, strict=True)
                if old != new
            }
            if not differences:
                unchanged += 1
                if digest != known[number]:
                    new_digests[staff_id] = digest
                continue
            old = dict(zip(fields, before, strict=True))
            change_log.add(
                {
                    "staff_number": number,
                    "change": "updated",
                    "fields": {name: [old[name], value] for name, value in differences.items()},
                }
            )
            updates.append(
                {"_id": staff_id, "updated_at": now, "row_digest": digest, **differences}
            )
            if "pay_band" in differences:
                band_changes.append(
                    {
                        "staff_id": staff_id,
                        "from_band": old["pay_band"],
                        "to_band": differences["pay_band"],
                        "recorded_on": as_at,
                        "data_import_id": record.id,
                    }
                )
            identity = {
                name: {"before": old[name], "after": value}
                for name, value in differences.items()
                if name in IDENTITY_FIELDS
            }
            if identity:
                identity_changes.append({"staff_number": number, **identity})
            dated = [name for name in differences if name in history.FIELDS]
            if dated:
                changed.append(
                    (
                        _Version(
                            staff_id,
                            {"hourly_pay": pay_before, **dict(zip(fields, after, strict=True))},
                        ),
                        dated,
                    )
                )
    del maybe_changed, known
    bulk.update_rows(table, updates)
    # The record is as it was: its updated_at too.
    bulk.update_column(table, "row_digest", new_digests, keep=("updated_at",))
    bulk.insert_rows(BandChange.__table__, band_changes)
    history.record_import(organisation_id, record.id, as_at, [], changed)
    record.rows_added, record.rows_updated = rows_added, len(updates)
    record.rows_unchanged = unchanged
    _audit_identity_changes(organisation_id, record, identity_changes, actor)
    return end_import(record, actor, change_log, source=source, as_at=as_at.isoformat())


def _file_digest(organisation_code: str, data: bytes) -> str:
    """The file's bytes as read for the organisation's code: rows naming a code are checked
    against it, so the same bytes after the code changes (a merger) are read row by row."""
    return hashlib.blake2b(organisation_code.encode() + b"\0" + data, digest_size=16).hexdigest()


def _last_staff_import(organisation_id: int):
    """The file digest, date layouts and row count of the organisation's latest staff import,
    with how many records the organisation has, how many of them carry a row digest, and the
    organisation's code (read here: loading an organisation before the file is read would
    begin the import's transaction, bulk.read_ahead)."""
    imports, staff = DataImport.__table__, Staff.__table__
    organisations = Organisation.__table__
    records = select(func.count()).where(staff.c.organisation_id == organisation_id)
    digests = select(func.count(staff.c.row_digest)).where(
        staff.c.organisation_id == organisation_id
    )
    code = select(organisations.c.code).where(organisations.c.id == organisation_id)
    return (
        select(
            imports.c.file_digest,
            imports.c.date_formats,
            imports.c.rows_added + imports.c.rows_updated + imports.c.rows_unchanged,
            records.scalar_subquery(),
            digests.scalar_subquery(),
            code.scalar_subquery(),
        )
        .where(imports.c.organisation_id == organisation_id, imports.c.kind == "staff")
        .order_by(imports.c.id.desc())
        .limit(1)
    )


def _the_same_file(latest: list[tuple], data: bytes) -> bool:
    """Whether the organisation's latest staff import read this very file and every record is
    still as that file left it: then reading it again would find every row unchanged.

    That import left each of the file's rows in a record carrying that row's digest (a row read
    unchanged already had it). Only an import writes a digest, and a trigger forgets it whenever
    anything else changes the record (migration 0024), so when every record has one and there
    are as many records as the file had rows, the records are exactly the file's rows,
    unchanged since. Its rows all passed their checks when it was read, and none depends on the
    day it is read (the extract's date is still checked, by the caller)."""
    if not latest:
        return False
    digest, _date_formats, rows, records, with_digest, code = latest[0]
    return rows == records == with_digest and digest == _file_digest(code, data)


class _Version:
    """A changed record's id and values, as the staff history writer reads them (new people's
    first versions are copied from their rows in SQL: `history.record_added`)."""

    __slots__ = ("id", *_STAFF_FIELDS)

    def __init__(self, staff_id: int, values: dict):
        self.id = staff_id
        for name in _STAFF_FIELDS:
            setattr(self, name, values[name])


# Who a record is: a change to these is listed, before and after, in the audit trail, so a file
# that renames someone or moves an email address onto their record is visible afterwards.
# (Staff numbers match rows to records, so an import never changes one.)
IDENTITY_FIELDS = ("full_name", "email")
_IDENTITY_CHANGES_PER_ENTRY = 500


def _audit_identity_changes(
    organisation_id: int, record: ImportRecord, changes: list[dict], actor
) -> None:
    for start in range(0, len(changes), _IDENTITY_CHANGES_PER_ENTRY):
        chunk = changes[start : start + _IDENTITY_CHANGES_PER_ENTRY]
        audit.append(
            organisation_id,
            actor,
            "staff.identity_changed",
            "data_import",
            record.id,
            {"count": len(changes), "changes": chunk},
        )
