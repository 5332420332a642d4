"""Effective-dated staff history: the staff records as they stood on any date (DOMAIN.md
sections 6, 7 and 11).

Every figure "as at" a date (indicators 1 and 9, the aspiration's headcounts, shares, turnover
and target, mentoring eligibility) reads the version of each person in force on that date, never
today's `staff` row. A staff import takes effect from its extract date: it closes the versions it
changes on that date and opens new ones, so what any earlier date shows is never rewritten.

Extracts are applied in date order. The first extract date of an organisation also stands for
the past, each person from their start date, as ESR's start and leaving dates describe it; after
that, a person or a change first seen in a later extract counts from that extract's date.
"""

from collections.abc import Iterable
from datetime import date

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from app import bulk
from app.extensions import db
from app.import_history import DataImport
from app.metrics.models import WresYearSnapshot
from app.workforce.ethnicity import sql_group
from app.workforce.models import Staff, StaffHistory
from app.workforce.wres_year import WresYear

# Before anyone's start: a record with no start date has stood since then.
EARLIEST = date(1900, 1, 1)
# The attributes a figure "as at" a date depends on; names and emails are not history.
FIELDS = (
    "ethnic_category",
    "pay_band",
    "staff_group",
    "board_role",
    "board_voting",
    "start_date",
    "leaving_date",
    "hourly_pay",  # the pay gap is "as at 31 March" too
)


# Reading: which version counts on a date


def in_force(day, version=StaffHistory):
    """SQL: the version was in force on `day` (a date or a column)."""
    return and_(version.valid_from <= day, or_(version.valid_to.is_(None), version.valid_to > day))


def in_post(day, version=StaffHistory):
    """SQL for DOMAIN.md's "in post on a date", from the version's own start and leaving dates."""
    return and_(
        or_(version.start_date.is_(None), version.start_date <= day),
        or_(version.leaving_date.is_(None), version.leaving_date > day),
    )


def as_at(organisation_id: int, day: date, version=StaffHistory) -> tuple:
    """WHERE clauses: each person of the organisation once, as their record stood on `day`."""
    return (version.organisation_id == organisation_id, in_force(day, version))


def in_post_as_at(organisation_id: int, day: date, version=StaffHistory) -> tuple:
    """WHERE clauses: the people in post on `day`, as their records stood on that day."""
    return (*as_at(organisation_id, day, version), in_post(day, version))


def in_post_counts(organisation_id: int, day: date) -> list:
    """Headcounts in post on `day`, as the records stood that day, by every key the snapshot
    figures split them by (staff group, band, board role and vote, whether pay is recorded,
    ethnic group): one scan that indicators 1 and 9, the return's headcounts and the pay gap's
    staff without pay each sum their own way, instead of one scan each."""
    group = sql_group(StaffHistory.ethnic_category)
    keys = (
        StaffHistory.staff_group,
        StaffHistory.pay_band,
        StaffHistory.board_role,
        StaffHistory.board_voting,
        StaffHistory.hourly_pay.is_not(None).label("has_pay"),
        group.label("grp"),
    )
    return db.session.execute(
        select(*keys, func.count().label("n"))
        .where(*in_post_as_at(organisation_id, day))
        .group_by(*keys)
    ).all()


def judged_on(staff_id, day, version) -> object:
    """SQL joining `version` to the person's record in force on `day` (a column), or to their
    first record when the history starts after `day` (a relationship recorded as starting
    before the person's first extract is judged on the first record there is)."""
    earliest = aliased(StaffHistory)
    first = (
        select(func.min(earliest.valid_from))
        .where(earliest.staff_id == staff_id)
        .correlate_except(earliest)
        .scalar_subquery()
    )
    return and_(
        version.staff_id == staff_id, in_force(case((day < first, first), else_=day), version)
    )


def versions(staff_id: int) -> list[StaffHistory]:
    """A person's history, oldest first, for their record page."""
    return list(
        db.session.scalars(
            select(StaffHistory)
            .where(StaffHistory.staff_id == staff_id)
            .order_by(StaffHistory.valid_from, StaffHistory.id)
        )
    )


# Writing: an import's changes, from its extract date

# Read as SQL (a table's columns, not a mapped class's attributes): an import writes the history
# without touching a mapped object, so its command never sets up the mappers.
_IMPORTS = DataImport.__table__


def latest_extract_date(organisation_id: int, on_or_before: date | None = None) -> date | None:
    """The date of the latest staff extract imported (on or before a date, if given): the
    history is known up to it."""
    imports = _IMPORTS.c
    query = select(func.max(imports.as_at)).where(
        imports.organisation_id == organisation_id, imports.kind == "staff"
    )
    if on_or_before is not None:
        query = query.where(imports.as_at <= on_or_before)
    return db.session.scalar(query)


def extract_date_problem(organisation_id: int, extract_date: date, today: date) -> str | None:
    """Why an extract as at this date cannot be applied, or None. Applying extracts out of order,
    or into a closed year whose figures are stored, would rewrite what earlier dates show."""
    if extract_date > today:
        return (
            f"the extract date {extract_date:%d %B %Y} is in the future: give the date the "
            "extract was taken (today if it is today's)"
        )
    latest = latest_extract_date(organisation_id)
    if latest is not None and extract_date < latest:
        return (
            f"an extract as at {latest:%d %B %Y} has already been imported, and one as at "
            f"{extract_date:%d %B %Y} would change what the dates in between show: import "
            f"extracts in date order, giving an extract date of {latest:%d %B %Y} or later"
        )
    snapshots = WresYearSnapshot.__table__.c
    closed = db.session.scalar(
        select(func.max(snapshots.year)).where(snapshots.organisation_id == organisation_id)
    )
    if closed is not None and extract_date <= WresYear(closed).end:
        return (
            f"the {WresYear(closed).label} WRES year is closed and its 31 March figures are "
            f"stored: an extract now takes effect after {WresYear(closed).end:%d %B %Y}"
        )
    return None


def stands_for_the_past(organisation_id: int, extract_date: date) -> bool:
    """Whether this is the organisation's first extract date (no extract as at an earlier date),
    so its records also stand for the past from each person's start date."""
    imports = _IMPORTS.c
    earlier = db.session.scalar(
        select(imports.id)
        .where(
            imports.organisation_id == organisation_id,
            imports.kind == "staff",
            imports.as_at < extract_date,
        )
        .limit(1)
    )
    return earlier is None


def _values(staff: Staff) -> dict:
    return {name: getattr(staff, name) for name in FIELDS}


def record_import(
    organisation_id: int,
    data_import_id: int | None,
    extract_date: date,
    added: Iterable[Staff],
    changed: Iterable[tuple[Staff, Iterable[str]]],
) -> int:
    """Write the versions an import makes, set-based: one UPDATE closing the changed people's
    open versions on the extract date, one INSERT of the new versions. The staff rows must be
    flushed (new people need their ids). Returns the number of versions written."""
    added, changed = list(added), list(changed)
    if not added and not changed:
        return 0  # nor a look at the earlier extracts (a re-import of an unchanged file)
    backdate = stands_for_the_past(organisation_id, extract_date)
    if changed:
        open_version = StaffHistory.__table__
        db.session.execute(
            update(open_version)
            .where(
                open_version.c.staff_id == bindparam("person"), open_version.c.valid_to.is_(None)
            )
            # A version recorded as starting after this extract's date ends where it began.
            .values(
                valid_to=case(
                    (open_version.c.valid_from > extract_date, open_version.c.valid_from),
                    else_=extract_date,
                )
            ),
            [{"person": staff.id} for staff, _names in changed],
        )
    rows = [
        {
            "organisation_id": organisation_id,
            "staff_id": staff.id,
            "valid_from": min(staff.start_date or EARLIEST, extract_date)
            if backdate
            else extract_date,
            "changed": "added",
            "data_import_id": data_import_id,
            **_values(staff),
        }
        for staff in added
    ] + [
        {
            "organisation_id": organisation_id,
            "staff_id": staff.id,
            "valid_from": extract_date,
            "changed": " ".join(name for name in FIELDS if name in set(names)),
            "data_import_id": data_import_id,
            **_values(staff),
        }
        for staff, names in changed
    ]
    bulk.insert_rows(StaffHistory.__table__, rows)
    return len(rows)


def record_added(
    organisation_id: int, data_import_id: int | None, extract_date: date, *where
) -> None:
    """The first versions of people an import has just written (the organisation's staff rows
    that also meet `where`), as one INSERT ... SELECT from their rows: the same versions
    `record_import` writes for `added`, without reading the rows back into Python."""
    staff = Staff.__table__
    if stands_for_the_past(organisation_id, extract_date):
        # min(start date or EARLIEST, extract date), as record_import has it
        valid_from = case(
            (staff.c.start_date.is_(None), literal(EARLIEST, Date)),
            (staff.c.start_date < extract_date, staff.c.start_date),
            else_=literal(extract_date, Date),
        )
    else:
        valid_from = literal(extract_date, Date)
    values = {
        "organisation_id": staff.c.organisation_id,
        "staff_id": staff.c.id,
        "valid_from": valid_from,
        "changed": literal("added", String),
        "data_import_id": literal(data_import_id, Integer),
        **{name: staff.c[name] for name in FIELDS},
    }
    db.session.execute(
        insert(StaffHistory.__table__).from_select(
            list(values),
            select(*values.values())
            .where(staff.c.organisation_id == organisation_id, *where)
            .order_by(staff.c.id),
        )
    )


def start_history(staff: Staff) -> StaffHistory:
    """The first version of a record made outside an import (tests, fixtures): in force since
    the person started."""
    version = StaffHistory(
        organisation_id=staff.organisation_id,
        staff_id=staff.id,
        valid_from=staff.start_date or EARLIEST,
        changed="added",
        **_values(staff),
    )
    db.session.add(version)
    db.session.flush()
    return version


def record_change(staff: Staff, effective_on: date, **values) -> StaffHistory:
    """Change one person's record from a date (the demo's promotions): the open version ends on
    that date and a new one begins. Imports use `record_import` instead."""
    current = db.session.scalar(
        select(StaffHistory).where(
            StaffHistory.staff_id == staff.id, StaffHistory.valid_to.is_(None)
        )
    )
    if current is not None:
        effective_on = max(effective_on, current.valid_from)
        current.valid_to = effective_on
        db.session.flush()
    for name, value in values.items():
        setattr(staff, name, value)
    version = StaffHistory(
        organisation_id=staff.organisation_id,
        staff_id=staff.id,
        valid_from=effective_on,
        changed=" ".join(name for name in FIELDS if name in values),
        **_values(staff),
    )
    db.session.add(version)
    db.session.flush()
    return version
