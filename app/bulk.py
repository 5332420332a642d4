"""Set-based reads and writes for imports, the same on SQLite and PostgreSQL.

A national extract names close to a million references. PostgreSQL takes at most 65,535 bind
parameters in a statement, and psycopg parses every placeholder of a long statement in Python, so
on PostgreSQL a lookup passes one array (`= ANY(:values)`) and plain inserts go by COPY; SQLite
gets chunked IN lists and the driver's executemany. Everything runs inside the caller's
transaction: an import that is refused after writing rolls all of it back.
"""

import contextlib
import json
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from itertools import chain, islice

from sqlalchemy import (
    ARRAY,
    Boolean,
    Date,
    DateTime,
    Integer,
    Numeric,
    String,
    Table,
    any_,
    bindparam,
    cast,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.types import NullType, TypeDecorator

from app import figure_cache
from app.extensions import db

CHUNK = 5000


def chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    """Lists of at most `size` values, taken as they come: a generator is never all in memory."""
    values = iter(values)
    while chunk := list(islice(values, size)):
        yield chunk


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _array_text(values: list) -> str | None:
    """PostgreSQL's text form of an array of numbers, text and nulls (`{1,"a b",NULL}`), or None
    for other values: psycopg dumps a list an element at a time in Python, which cost an import of
    95,000 applications a quarter of a second of its own time before each statement was sent."""
    kinds = set(map(type, values))
    if kinds <= {int}:
        return "{" + ",".join(map(str, values)) + "}"
    if kinds <= {str}:
        return "{" + ",".join(map(_quoted, values)) + "}"
    if kinds <= {int, str, type(None)}:
        return (
            "{"
            + ",".join(
                "NULL" if value is None else _quoted(value) if type(value) is str else str(value)
                for value in values
            )
            + "}"
        )
    return None


def array_of(values: Sequence, element_type):
    """SQL (PostgreSQL): `values` as one array parameter of `element_type`."""
    array = ARRAY(element_type)
    values = list(values)
    # A decorated type converts each value on its way in: only the driver's list goes through it.
    text = None if isinstance(element_type, TypeDecorator) else _array_text(values)
    if text is None:
        return cast(literal(values, array), array)
    # Sent untyped (psycopg sends text as "unknown"), so the server reads it as the array's own
    # parameter, a constant to the planner: cast from a typed text, the array was an expression
    # the planner could not fold, worked out again for every row compared with it.
    return cast(literal(text, NullType()), array)


def among(column, values: Sequence):
    """SQL: `column` is one of `values` (at most CHUNK of them)."""
    if _postgresql():
        # The driver's own array, not array_of's text: a national panel import's look-ups of
        # panels by vacancy, in the transaction that was filling the table, took 1.5 s each
        # with the text (the import 53 s against 30 s).
        array = ARRAY(column.type)
        return column == any_(cast(literal(list(values), array), array))
    # One JSON array as one parameter: an IN list of thousands of parameters is rendered and
    # bound a value at a time. Values are ids and references (numbers and text).
    each = func.json_each(bindparam(None, json.dumps(list(values)), type_=String))
    return column.in_(select(each.table_valued("value").c.value))


def select_among(columns: Sequence, key, values: Iterable, *where) -> Iterator[tuple]:
    """Rows of `columns` whose `key` is among `values`, a chunk of values per query."""
    for chunk in chunks(values):
        yield from db.session.execute(select(*columns).where(among(key, chunk), *where))


def mapping(key, value, *where, group_by=None) -> dict:
    """{key: value} of every row meeting `where` (comparisons with numbers), grouped by
    `group_by` if given, fetched through the driver's own cursor: SQLAlchemy makes a Row object
    of each of a national extract's 320,000 pairs before the dict is built, and they cost more
    than the fetch itself."""
    connection = db.session.connection()
    return _fetch_mapping(
        connection.connection.dbapi_connection, _mapping_sql(key, value, where, group_by)
    )


@contextlib.contextmanager
def read_ahead(
    key, value, *where, before=None, enough=None
) -> Iterator[tuple[dict | None, Callable[[], bool], list[tuple] | None]]:
    """`mapping(key, value, *where)` read before an import's transaction begins, a function
    that says, once it has begun, whether what was read is still as it is now, and the rows of
    `before` (a SELECT read first, in the same way), or None. When `enough(those rows)` is true
    the mapping is not read at all (None).

    On SQLite an import opens no transaction until it has read its file, so a background job's
    progress writer can commit meanwhile (imports begin IMMEDIATE: a transaction open while the
    file is read would hold the write lock): the rows are read beside the session, in the read
    transaction of a single statement, and are still current when no other connection has
    committed since (PRAGMA data_version) or, when one has, when reading them again finds them
    the same. On PostgreSQL, or when the session's transaction has already begun, they are read
    in it (the one the import writes in)."""
    in_session = _postgresql() or db.session().in_transaction()
    if in_session:
        earlier = fetch_all(before) if before is not None else None
    else:
        beside = db.engine.connect()
        driver = beside.connection.dbapi_connection
        version = _data_version(driver)
        earlier = _fetch_rows(driver, _literal_sql(before)) if before is not None else None
    try:
        if enough is not None and enough(earlier):
            found = None
        elif in_session:
            found = mapping(key, value, *where)
        else:
            found = _fetch_mapping(driver, _mapping_sql(key, value, where))

        def still_current() -> bool:
            if in_session or _data_version(driver) == version:
                return True
            if found is None:
                return fetch_all(before) == earlier
            return mapping(key, value, *where) == found

        yield found, still_current, earlier
    finally:
        if not in_session:
            beside.close()


def _mapping_sql(key, value, where, group_by=None) -> str:
    statement = select(key, value).where(*where)
    if group_by is not None:
        statement = statement.group_by(group_by)
    return _literal_sql(statement)


def _literal_sql(statement) -> str:
    dialect = db.session.get_bind().dialect
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def fetch_all(statement) -> list[tuple]:
    """The rows of a SELECT whose values are numbers, text and lists of them (rendered into its
    text), as the driver's tuples: SQLAlchemy's Row objects cost more than the fetch when a
    national import's trigger reads half a million candidates."""
    connection = db.session.connection()
    return _fetch_rows(connection.connection.dbapi_connection, _literal_sql(statement))


def _fetch_rows(driver, sql: str) -> list[tuple]:
    cursor = driver.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def _fetch_mapping(driver, sql: str) -> dict:
    cursor = driver.cursor()
    try:
        cursor.execute(sql)
        return dict(cursor.fetchall())
    finally:
        cursor.close()


def _data_version(driver) -> int:
    cursor = driver.cursor()
    try:
        return cursor.execute("PRAGMA data_version").fetchone()[0]
    finally:
        cursor.close()


def insert_rows(table: Table, rows: list[dict]) -> None:
    """Insert rows that all have the same keys: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    names = list(rows[0])
    values = operator.itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    insert_values(table, names, map(values, rows))


def _stored(convert):
    """`convert` remembered per value: an import's dates and times repeat."""
    seen: dict = {None: None}

    def store(value):
        try:
            return seen[value]
        except KeyError:
            seen[value] = found = convert(value)
            return found

    return store


_SQLITE_STORES = {
    # SQLite has no decimal type: SQLAlchemy stores Numeric as a float and reads it back to the
    # column's scale, so the driver is given what SQLAlchemy would give it.
    Numeric: float,
    Date: date.isoformat,
    DateTime: lambda value: value.strftime("%Y-%m-%d %H:%M:%S.%f"),
}


def _insert_sql(table: Table, names: list[str]) -> str:
    # Names are the table's own columns (table.c[name] refuses any other); values are bound.
    columns = ", ".join(f'"{table.c[name].name}"' for name in names)
    return f'INSERT INTO "{table.name}" ({columns}) VALUES ({", ".join("?" * len(names))})'  # noqa: S608


def update_rows(table: Table, rows: list[dict], key: str = "id") -> None:
    """Update rows, each a dict of `_id` and the columns that change; one executemany per set
    of columns changed together."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(name for name in row if name != "_id")), []).append(row)
    for names, group in groups.items():
        statement = (
            update(table)
            .where(table.c[key] == bindparam("_id"))
            .values({name: bindparam(name) for name in names})
        )
        for chunk in chunks(group):
            db.session.execute(statement, chunk)


def update_column(table: Table, name: str, values: dict, keep: Sequence[str] = ()) -> None:
    """Set one column of many rows: `values` maps each row's id to its new value. Columns in
    `keep` are set to themselves, so their onupdate defaults (updated_at) leave them be. On
    PostgreSQL one UPDATE per chunk joins two arrays (an executemany costs a round trip of the
    pipeline a row: 5 s for 32,000 rows); on SQLite the driver's executemany."""
    column = table.c[name]
    kept = {other: table.c[other] for other in keep}
    ids = list(values)
    if _postgresql():
        for chunk in chunks(ids):
            pairs = select(
                func.unnest(array_of(chunk, table.c.id.type)).label("id"),
                func.unnest(array_of([values[i] for i in chunk], column.type)).label("value"),
            ).subquery()
            db.session.execute(
                update(table).where(table.c.id == pairs.c.id).values({name: pairs.c.value, **kept})
            )
        return
    statement = update(table).where(table.c.id == bindparam("_id"))
    statement = statement.values({name: bindparam("_value"), **kept})
    for chunk in chunks(ids):
        db.session.execute(statement, [{"_id": i, "_value": values[i]} for i in chunk])


def insert_returning(table: Table, rows: list[dict], key: str, *where) -> dict:
    """Insert rows and return their new ids by `key` (unique among the rows and `where`)."""
    if rows and _postgresql():
        # One statement: each column one array, unnested side by side in the rows' order, the
        # ids returned as they are made (a COPY, then a lookup of every key, took two).
        names = list(rows[0])
        columns = [
            func.unnest(array_of([row[name] for row in rows], table.c[name].type)) for name in names
        ]
        figure_cache.note_write(db.session.connection())
        return dict(
            db.session.execute(
                insert(table)
                .from_select(names, select(*columns))
                .returning(table.c[key], table.c.id)
            ).all()
        )
    insert_rows(table, rows)
    return dict(
        select_among((table.c[key], table.c.id), table.c[key], [row[key] for row in rows], *where)
    )


# PostgreSQL's binary COPY format per column type (`insert_values(..., binary=True)`).
_BINARY_TYPES = {
    Integer: "int4",
    String: "varchar",
    Boolean: "bool",
    Date: "date",
    DateTime: "timestamp",
    Numeric: "numeric",
}


def insert_values(
    table: Table, names: Sequence[str], rows: Iterable[tuple], binary: bool = False
) -> int:
    """Insert rows given as tuples in the order of `names`, as insert_rows does for dicts (COPY
    on PostgreSQL, executemany on SQLite), without a dict per row. Returns how many.

    `rows` may be a generator: PostgreSQL writes the rows already sent while the rest are made,
    so work done in the generator costs no time of its own when the database is the slower.

    `binary`: every value is already of its column's Python type (a date a date, not its text),
    so PostgreSQL can take COPY's binary format, which it reads in less time than text (a
    tenth of a trust's staff COPY); columns of other types than _BINARY_TYPES' go as text."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:  # nothing written, and no COPY for nothing
        return 0
    rows = chain((first,), rows)
    connection = db.session.connection()
    figure_cache.note_write(connection)
    cursor = connection.connection.dbapi_connection.cursor()
    count = 0
    if not _postgresql():
        # The driver's own executemany, with values stored exactly as SQLAlchemy stores them
        # (dates as ISO text, times with microseconds): SQLAlchemy's per-row parameter
        # processing costs more than the insert itself.
        statement = _insert_sql(table, list(names))
        stored = [
            (index, _stored(_SQLITE_STORES[type(table.c[name].type)]))
            for index, name in enumerate(names)
            if type(table.c[name].type) in _SQLITE_STORES
        ]
        for chunk in chunks(rows):
            if stored:
                chunk = [list(row) for row in chunk]
                for row in chunk:
                    for index, store in stored:
                        row[index] = store(row[index])
            cursor.executemany(statement, chunk)
            count += len(chunk)
        return count
    columns = ", ".join(f'"{table.c[name].name}"' for name in names)
    types = [_BINARY_TYPES.get(type(table.c[name].type)) for name in names] if binary else []
    binary = binary and None not in types
    form = " (FORMAT BINARY)" if binary else ""
    with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN{form}') as copy:
        if binary:
            copy.set_types(types)
        write = copy.write_row
        for row in rows:
            write(row)
            count += 1
    return count
