"""Read-only selects for the chair's queue, managers' lists, the register and the command."""

from datetime import date
from functools import cache
from typing import NamedTuple

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import contains_eager, selectinload, with_expression

from app.accounts.models import User
from app.accounts.scoping import scoped_by_parameter
from app.extensions import db
from app.justifications.models import (
    DECIDED,
    OPEN_FOR_MANAGER,
    Justification,
    JustificationApplicant,
)
from app.pagination import SortKey, ordered, parameterised
from app.recruitment.models import Batch, Vacancy
from app.timeutil import today_london

BUCKETS = {
    "due": "Due",
    "overdue": "Overdue",
    "submitted": "Waiting for the chair",
    "more-information-requested": "More information requested",
    "decided": "Decided",
    "superseded": "Superseded",
}


def bucket_clause(bucket: str) -> ColumnElement:
    """The justifications in `bucket`, today the bound parameter `today`: the same clause every
    day, so a statement holding it is built once and kept."""
    today = bindparam("today", type_=Date)
    if bucket == "due":
        return _status_in("due") & (Justification.due_date >= today)
    if bucket == "overdue":
        return _status_in(*OPEN_FOR_MANAGER) & (Justification.due_date < today)
    if bucket == "decided":
        return _status_in(*DECIDED)
    return _status_in(bucket)


def _status_in(*statuses: str) -> ColumnElement:
    """The status is one of `statuses`, written into the statement as constants rather than
    bound: a kept list's statement holds no value (app/pagination.py refuses one), and an
    expanding IN is rewritten on every run."""
    written = [literal_column(f"'{status}'") for status in statuses]
    if len(written) == 1:
        return Justification.status == written[0]
    return Justification.status.in_(written)


def bucket_counts(organisation_id: int, manager_id: int | None, today: date | None = None):
    """One query: how many justifications of the organisation (those of `manager_id` alone,
    when given) fall in each bucket, and in all ("all").

    Each count is a range of `ix_justification_org_status_due` (organisation, status, due
    date), counted from the index without reading the rows or testing every row against every
    bucket (at the mid size, 7,660 justifications: 1.7 ms of SQLite's CPU down to 0.7 ms). All
    is the sum of ranges that never overlap, so no range is counted again for it: at the mid
    size, where every justification is due, 2.7 million instructions a request fewer than a
    count of all.
    """
    parameters = {"organisation_id": organisation_id, "today": today or today_london()}
    if manager_id is not None:
        parameters["manager_id"] = manager_id
    row = db.session.execute(_bucket_counts_statement(manager_id is not None), parameters).one()
    counted = dict(zip(_COUNTED, row, strict=True))
    counted["overdue"] = sum(counted[f"{status}, overdue"] for status in OPEN_FOR_MANAGER)
    counts = {bucket: counted[bucket] for bucket in BUCKETS}
    # Every status is before "due", "due" (not due yet, or overdue) or after it.
    counts["all"] = sum(
        counted[name] for name in ("before due", "due", "due, overdue", "after due")
    )
    return counts


def _counted_clauses() -> dict[str, ColumnElement]:
    today = bindparam("today", type_=Date)
    due = literal_column("'due'")
    return {
        **{bucket: bucket_clause(bucket) for bucket in BUCKETS if bucket != "overdue"},
        **{
            f"{status}, overdue": _status_in(status) & (Justification.due_date < today)
            for status in OPEN_FOR_MANAGER
        },
        "before due": Justification.status < due,
        "after due": Justification.status > due,
    }


# What `bucket_counts` counts, in the order of its statement's columns.
_COUNTED = tuple(_counted_clauses())


@cache
def _bucket_counts_statement(mine: bool) -> Select:
    """Built once per process (its subqueries cost more to build than to run): the
    organisation, the manager and today are bound parameters, never values."""
    counted = _visible(mine).with_only_columns(func.count(), maintain_column_froms=True)
    return select(
        *[
            counted.where(clause).scalar_subquery().label(f"bucket_{i}")
            for i, clause in enumerate(_counted_clauses().values())
        ]
    )


def _visible(mine: bool) -> Select:
    """The organisation's justifications (`organisation_id`), or its manager's (`manager_id`)."""
    base = scoped_by_parameter(Justification)
    return base.where(mine_clause(bindparam("manager_id"))) if mine else base


def _queue_filtered(base: Select, bucket: str, searching: bool) -> Select:
    """`base` in `bucket` (every one for ""), matching the bound parameter `search` (a LIKE
    pattern) when `searching`."""
    query = base.outerjoin(Vacancy, Justification.vacancy_id == Vacancy.id).outerjoin(
        Batch, Justification.batch_id == Batch.id
    )
    if bucket in BUCKETS:
        query = query.where(bucket_clause(bucket))
    if searching:
        like = bindparam("search")
        query = query.where(
            or_(
                func.lower(Vacancy.reference).like(like),
                func.lower(Batch.reference).like(like),
                func.lower(Vacancy.title).like(like),
                func.lower(Batch.name).like(like),
            )
        )
    return query


def _applicant_count():
    return (
        select(func.count())
        .where(JustificationApplicant.justification_id == Justification.id)
        .correlate(Justification)
        .scalar_subquery()
    )


def queue_query(base: Select) -> Select:
    """Every justification of `base` as records, in the queue's order (the register)."""
    query = _queue_filtered(base, "", searching=False)
    # What each row of the list shows, loaded for the whole page in a few queries rather than
    # one or more per justification.
    # The vacancy and batch come with the rows from the joins above.
    query = query.options(
        contains_eager(Justification.vacancy).selectinload(Vacancy.recruiting_manager),
        contains_eager(Justification.batch).selectinload(Batch.recruiting_manager),
        with_expression(Justification.applicant_count, _applicant_count()),
        selectinload(Justification.manager),
    )
    return ordered(query, queue_order(""))


class QueueRow(NamedTuple):
    """A row of the queue page: what it shows, without the records it comes from."""

    id: int
    status: str
    due_date: date
    decision_date: date | None
    applicant_count: int
    label: str
    # The justification's manager, else its vacancy's or batch's recruiting manager; None when
    # there is neither.
    manager_name: str | None
    # Still with the manager and past its due date.
    overdue: bool


def _display_name(user_id) -> ColumnElement:
    """`User.display_name` of the user `user_id` names, in SQL (NULL when there is none)."""
    return (
        select(func.coalesce(func.nullif(User.full_name, literal_column("''")), User.email))
        .where(User.id == user_id)
        .scalar_subquery()
    )


def queue_parameters(
    organisation_id: int, bucket: str, search: str, manager_id: int | None, today: date
) -> dict:
    """This request's values for the parameters of `queue_rows`: the organisation, and the
    manager, today and the search where the list uses them."""
    parameters = {"organisation_id": organisation_id}
    if manager_id is not None:
        parameters["manager_id"] = manager_id
    if bucket in ("due", "overdue"):
        parameters["today"] = today
    if search:
        parameters["search"] = f"%{search.lower()}%"
    return parameters


def queue_shape(bucket: str, parameters: dict) -> tuple:
    """What `queue_rows` builds a list from, besides the values of its parameters."""
    return ("justifications", bucket if bucket in BUCKETS else "", *sorted(parameters))


def queue_rows(shape: tuple) -> Select:
    """The queue's rows as plain columns (see `queue_row`), from bound parameters only (see
    `queue_parameters`): a statement kept per process and shape (app/pagination.py), run with
    each request's organisation, manager, today and search. Loading a page of justifications
    with their vacancies, batches and users as records cost more than the rest of the page."""
    _, bucket, *names = shape
    query = _queue_filtered(_visible("manager_id" in names), bucket, "search" in names)
    query = query.with_only_columns(
        Justification.id,
        Justification.status,
        Justification.due_date,
        Justification.decision_date,
        _applicant_count().label("applicant_count"),
        Justification.vacancy_id,
        Vacancy.reference.label("vacancy_reference"),
        Vacancy.title,
        Batch.reference.label("batch_reference"),
        Batch.name,
        _display_name(Justification.manager_id).label("manager_name"),
        _display_name(Vacancy.recruiting_manager_id).label("vacancy_manager_name"),
        _display_name(Batch.recruiting_manager_id).label("batch_manager_name"),
        maintain_column_froms=True,
    )
    return ordered(query, queue_order(bucket))


@cache
def overdue_rows(mine: bool, size: int) -> Select:
    """The chair's first `size` overdue rows, built once per process (see `queue_rows`)."""
    names = ("manager_id", "organisation_id", "today") if mine else ("organisation_id", "today")
    return parameterised(queue_rows(("justifications", "overdue", *names))).limit(size)


def queue_row(row, today: date) -> QueueRow:
    """A row of `queue_rows` as the page shows it: the owner's label as `Vacancy.label` or
    `Batch.label` gives it, the manager as `j.manager or j.owner.recruiting_manager`."""
    if row.vacancy_id is not None:
        reference, name, owner_manager = row.vacancy_reference, row.title, row.vacancy_manager_name
    else:
        reference, name, owner_manager = row.batch_reference, row.name, row.batch_manager_name
    return QueueRow(
        row.id,
        row.status,
        row.due_date,
        row.decision_date,
        row.applicant_count,
        f"{reference}: {name}" if name else reference,
        row.manager_name if row.manager_name is not None else owner_manager,
        row.status in OPEN_FOR_MANAGER and row.due_date < today,
    )


def queue_order(bucket: str) -> tuple[SortKey, ...]:
    """The queue's order, for keyset pagination; every key is never NULL."""
    if bucket == "submitted":
        # The chair reviews in the order they arrived.
        arrived = func.coalesce(Justification.submitted_at, Justification.created_at)
        return (SortKey(arrived), SortKey(Justification.id))
    return (SortKey(OPEN_FIRST), SortKey(Justification.due_date), SortKey(Justification.id))


# Open for the manager first: models.OPEN_FIRST_SQL with the column named through the table (the
# list joins others with a status), its literals the index's own.
OPEN_FIRST = case(
    (
        Justification.status.in_([literal_column(f"'{status}'") for status in OPEN_FOR_MANAGER]),
        literal_column("0", Integer),
    ),
    else_=literal_column("1", Integer),
)


def waiting_for_chair(organisation_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Justification)
        .where(
            Justification.organisation_id == organisation_id,
            Justification.status == "submitted",
        )
    )


def open_for_manager(organisation_id: int, user_id: int) -> list[Justification]:
    """The manager's justifications still to write or rewrite, soonest due first."""
    return list(
        db.session.scalars(
            select(Justification)
            .where(
                Justification.organisation_id == organisation_id,
                Justification.status.in_(OPEN_FOR_MANAGER),
                mine_clause(user_id),
            )
            .order_by(Justification.due_date, Justification.id)
        )
    )


def mine_clause(user_id: int):
    return or_(
        Justification.manager_id == user_id,
        Justification.vacancy_id.in_(
            select(Vacancy.id).where(Vacancy.recruiting_manager_id == user_id)
        ),
        Justification.batch_id.in_(select(Batch.id).where(Batch.recruiting_manager_id == user_id)),
    )
