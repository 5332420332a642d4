"""Page-at-a-time lists whose cost does not grow with the table.

Short lists (a record's import history, an inbox) use `paginate`: a COUNT and a bounded
SELECT with OFFSET. Long lists (vacancies, batches, staff, justifications, the panel pool) use
`paginate_keyset`: the address carries the sort values of the row a page starts after (or
before), so page 500 is read from the index like page 1 rather than by skipping 25,000 rows, and
rows added meanwhile never shift what the next page shows. Their count stops at COUNT_CAP
("more than 10,000") so no page scans the whole table to number itself.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import request, url_for
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    union_all,
)

from app.extensions import db
from app.numbers import ascii_int

# A count past this many rows says "more than"; counting on would read the whole list.
COUNT_CAP = 10_000
# Sort values a cursor may carry: an id column is 32 bits on PostgreSQL, text is bounded.
_INT_LIMIT = 2**31 - 1
_TEXT_LIMIT = 400
_CURSOR_LIMIT = 2_000
_CURSOR_ARGS = ("page", "after", "before")


@dataclass
class Page:
    items: list[Any]
    number: int
    size: int
    total: int
    # The page the list is on, when the request is a form posted elsewhere that shows it again.
    endpoint: str | None = None
    view_args: dict | None = None

    more_than = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_shown(self) -> int:
        return 0 if self.total == 0 else (self.number - 1) * self.size + 1

    @property
    def last_shown(self) -> int:
        return min(self.total, self.number * self.size)

    def url(self, number: int) -> str:
        args = {**request.args.to_dict(), "page": number}
        if self.endpoint:
            return url_for(self.endpoint, **(self.view_args or {}), **args)
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    @property
    def previous_url(self) -> str | None:
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.number + 1) if self.number < self.pages else None


def paginate(
    query: Select, size: int, endpoint: str | None = None, view_args: dict | None = None
) -> Page:
    number = ascii_int(request.args.get("page"), 1) or 1
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    number = min(number, max(1, -(-total // size)))
    items = list(db.session.scalars(query.limit(size).offset((number - 1) * size)))
    return Page(items, number, size, total, endpoint, view_args)


@dataclass(frozen=True)
class SortKey:
    """One column (or expression) of a list's order; the last key of a list must be unique."""

    expression: ColumnElement
    descending: bool = False

    def clause(self, reverse: bool = False) -> ColumnElement:
        return self.expression.desc() if self.descending != reverse else self.expression.asc()


def ordered(query: Select, keys: Sequence[SortKey]) -> Select:
    return query.order_by(None).order_by(*(key.clause() for key in keys))


@dataclass
class KeysetPage:
    items: list[Any]
    size: int
    # Rows before this page (carried in the cursor for the "Showing 51 to 100" line only).
    position: int
    total: int
    more_than: bool
    after: str | None
    before: str | None

    @property
    def number(self) -> int:
        return self.position // self.size + 1

    @property
    def pages(self) -> int:
        if self.more_than:
            return max(self.number + (1 if self.after else 0), -(-self.total // self.size))
        return max(1, -(-self.total // self.size))

    @property
    def first_shown(self) -> int:
        return self.position + 1 if self.items else 0

    @property
    def last_shown(self) -> int:
        return self.position + len(self.items)

    def _url(self, **cursor: str) -> str:
        args = {k: v for k, v in request.args.to_dict().items() if k not in _CURSOR_ARGS}
        return url_for(request.endpoint, **(request.view_args or {}), **args, **cursor)

    @property
    def previous_url(self) -> str | None:
        return self._url(before=self.before) if self.before else None

    @property
    def next_url(self) -> str | None:
        return self._url(after=self.after) if self.after else None


def row_url_prefix(endpoint: str, argument: str) -> str:
    """The address of one row of a list without its trailing id, built once per page: each row
    appends its own id, where a url_for per row cost more than the rest of the row."""
    sample = url_for(endpoint, **{argument: 0})
    if not sample.endswith("/0"):
        raise ValueError(f"{endpoint} does not end in its {argument}")
    return sample[:-1]


def encode_cursor(position: int, values: Sequence[Any]) -> str:
    encoded = [
        value.isoformat() if isinstance(value, date | datetime) else value for value in values
    ]
    raw = json.dumps([position, encoded], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str | None, keys: Sequence[SortKey]) -> tuple[int, list[Any]] | None:
    """The position and sort values a cursor names, or None for anything else.

    A cursor comes back from the browser, so it is checked value by value against the types of
    the list's keys: a hand-made one can reach only the first page, never an error.
    """
    if not text or len(text) > _CURSOR_LIMIT:
        return None
    try:
        position, values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, TypeError, binascii.Error):
        return None
    if type(position) is not int or not 0 <= position <= _INT_LIMIT * 64:
        return None
    if not isinstance(values, list) or len(values) != len(keys):
        return None
    checked = []
    for key, value in zip(keys, values, strict=True):
        value = _typed(key, value)
        if value is None:
            return None
        checked.append(value)
    return position, checked


def _typed(key: SortKey, value: Any) -> Any:
    try:
        kind = key.expression.type.python_type
    except NotImplementedError:
        return None
    if kind is bool or type(value) is bool:
        return None
    if kind is int:
        return value if type(value) is int and abs(value) <= _INT_LIMIT else None
    if not isinstance(value, str) or len(value) > _TEXT_LIMIT:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from JSON's \ud800
        return None
    if "\x00" in value:
        return None
    try:
        if kind is datetime:
            return datetime.fromisoformat(value)
        if kind is date:
            return date.fromisoformat(value)
    except ValueError:
        return None
    return value if kind is str else None


def _beyond(keys: Sequence[SortKey], values: Sequence[Any], backwards: bool) -> ColumnElement:
    """Rows after `values` in the list's order (before them when going backwards)."""

    def further_or_equal(key: SortKey, value: Any) -> ColumnElement:
        later = key.descending == backwards
        return key.expression >= value if later else key.expression <= value

    # The leading key alone bounds the index range scanned; the OR refines it.
    return and_(further_or_equal(keys[0], values[0]), or_(*_alternatives(keys, values, backwards)))


def _alternatives(keys: Sequence[SortKey], values: Sequence[Any], backwards: bool) -> list:
    """The ways a row can come after `values` (before, going backwards): equal on the first
    keys and further on the next. No row meets two of them."""

    def further(key: SortKey, value: Any) -> ColumnElement:
        later = key.descending == backwards
        return key.expression > value if later else key.expression < value

    return [
        and_(*(keys[j].expression == values[j] for j in range(index)), further(key, values[index]))
        for index, key in enumerate(keys)
    ]


def _rows_beyond(wide: Select, keys: Sequence[SortKey], values, backwards: bool, limit: int):
    """The first `limit` rows of a query of columns beyond `values`, as one SELECT of each of
    `_alternatives`, in the list's order, joined by UNION ALL. Each reads its own index range
    from its start: with the ORs, a database reads every row sharing the leading key's value
    up to the cursor (page 159 of a list whose rows share one creation time read 7,900 index
    entries for its 51 rows)."""
    order = [key.clause(reverse=backwards) for key in keys]
    parts = [
        select(wide.where(condition).order_by(*order).limit(limit).subquery())
        for condition in _alternatives(keys, values, backwards)
    ]
    joined = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    outer = [
        SortKey(joined.c[f"_key{i}"], key.descending).clause(reverse=backwards)
        for i, key in enumerate(keys)
    ]
    return select(joined).order_by(*outer).limit(limit)


def _page_beyond(wide: Select, keys, values, backwards: bool, limit: int, whole_rows: bool):
    if whole_rows:
        return _rows_beyond(wide, keys, values, backwards, limit)
    # A query of whole records keeps the ORs: its rows must stay records of the entity.
    return (
        wide.where(_beyond(keys, values, backwards))
        .order_by(*(key.clause(reverse=backwards) for key in keys))
        .limit(limit)
    )


def _countable(base: Select):
    """The capped rows to count. Without DISTINCT or GROUP BY each row selects only a constant,
    so the database can count from an index on the filtered columns and never reads the rows."""
    if not base._distinct and not base._group_by_clauses and not base._having_criteria:
        base = base.with_only_columns(literal(1), maintain_column_froms=True)
    return base.limit(COUNT_CAP + 1).subquery()


# Statements of lists whose query is built from bound parameters only, per list shape, kind of
# page and page size: a few dozen in all.
_kept_statements: dict = {}
MAX_KEPT_STATEMENTS = 512


def parameterised(query: Select) -> Select:
    """`query`, checked to hold no literal value: a statement kept for every request must take
    each request's values (the organisation above all) as bound parameters, never the first
    request's."""
    names = set()
    for parameter in query._generate_cache_key().bindparams:
        if parameter.unique:  # a literal value gets an anonymous, unique parameter
            raise ValueError(f"a kept list's query holds the literal value {parameter.value!r}")
        names.add(parameter.key)
    if "organisation_id" not in names:
        raise ValueError("a kept list's query must be scoped by the organisation_id parameter")
    return query


def _cursor_values(keys: Sequence[SortKey]) -> list:
    return [bindparam(f"_cursor{i}", type_=key.expression.type) for i, key in enumerate(keys)]


def _statement(shape, kind: str, build, keys, size: int, whole_rows: bool):
    """The COUNT (`count`) or page (`first`, `after`, `before`) statement of a list."""
    if shape is None:
        return _build_statement(kind, build, keys, size, whole_rows)
    key = (shape, kind, size, whole_rows)
    statement = _kept_statements.get(key)
    if statement is None:
        statement = _build_statement(kind, build, keys, size, whole_rows, kept=True)
        if len(_kept_statements) >= MAX_KEPT_STATEMENTS:
            _kept_statements.clear()
        _kept_statements[key] = statement
    return statement


def _build_statement(kind, build, keys, size, whole_rows, kept=False):
    base = build() if callable(build) else build
    base = (parameterised(base) if kept else base).order_by(None)
    if kind == "count":
        return select(func.count()).select_from(_countable(base))
    # The sort values ride along with each row so the next cursor needs no second look-up.
    wide = base.add_columns(*(key.expression.label(f"_key{i}") for i, key in enumerate(keys)))
    if kind == "first":
        return wide.order_by(*(key.clause() for key in keys)).limit(size + 1)
    return _page_beyond(wide, keys, _cursor_values(keys), kind == "before", size + 1, whole_rows)


def paginate_keyset(
    query,
    size: int,
    keys: Sequence[SortKey],
    total: int | None = None,
    whole_rows: bool = False,
    shape=None,
    parameters: dict | None = None,
) -> KeysetPage:
    """One capped COUNT and one SELECT of size + 1 rows, however deep the page. A page whose
    rows the caller has already counted (`total`) skips the COUNT. With `whole_rows` each item
    is the row itself (a query of columns, read by name), not its first column.

    With `shape` (a hashable naming the list and which of its filters apply), `query` is a
    function that builds the list's SELECT from bound parameters only, `parameters` this
    request's values for them: its statements are built once per process and shape (building
    and keying them cost more than running them) and run with each request's values."""
    after = decode_cursor(request.args.get("after"), keys)
    before = None if after else decode_cursor(request.args.get("before"), keys)
    parameters = dict(parameters or {})
    if total is None:
        count = _statement(shape, "count", query, keys, size, whole_rows)
        total = db.session.scalar(count, parameters)
    more_than = total > COUNT_CAP
    total = min(total, COUNT_CAP)
    cursor = before or after
    if cursor:
        parameters.update({f"_cursor{i}": value for i, value in enumerate(cursor[1])})
    kind = "before" if before else "after" if after else "first"
    rows = db.session.execute(
        _statement(shape, kind, query, keys, size, whole_rows), parameters
    ).all()
    if before:
        position = before[0]
        has_previous = len(rows) > size
        rows = list(reversed(rows[:size]))
        position = max(0, position - size) if has_previous else 0
        has_next = True
    else:
        position = after[0] if after else 0
        has_next = len(rows) > size
        rows = rows[:size]
        has_previous = after is not None
    width = len(keys)
    items = list(rows) if whole_rows else [row[0] for row in rows]
    next_cursor = previous_cursor = None
    if rows and has_next:
        next_cursor = encode_cursor(position + len(rows), list(rows[-1][-width:]))
    if rows and has_previous:
        previous_cursor = encode_cursor(position, list(rows[0][-width:]))
    return KeysetPage(items, size, position, total, more_than, next_cursor, previous_cursor)
