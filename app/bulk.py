"""Set-based reads and writes for imports, the same on SQLite and PostgreSQL.

A national extract names close to a million references. PostgreSQL takes at most 65,535 bind
parameters in a statement, and psycopg parses every placeholder of a long statement in Python, so
on PostgreSQL a lookup passes one array (`= ANY(:values)`) and plain inserts go by COPY; SQLite
gets chunked IN lists and the driver's executemany. Everything runs inside the caller's
transaction: an import that is refused after writing rolls all of it back.
"""

from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from sqlalchemy import (
    ARRAY,
    Date,
    DateTime,
    Numeric,
    Table,
    any_,
    bindparam,
    cast,
    literal,
    select,
    update,
)

from app.extensions import db

CHUNK = 5000


def chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def among(column, values: Sequence):
    """SQL: `column` is one of `values` (at most CHUNK of them)."""
    if _postgresql():
        return column == any_(cast(literal(list(values), ARRAY(column.type)), ARRAY(column.type)))
    return column.in_(values)


def select_among(columns: Sequence, key, values: Iterable, *where) -> Iterator[tuple]:
    """Rows of `columns` whose `key` is among `values`, a chunk of values per query."""
    for chunk in chunks(values):
        yield from db.session.execute(select(*columns).where(among(key, chunk), *where))


def insert_rows(table: Table, rows: list[dict]) -> None:
    """Insert rows that all have the same keys: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    names = list(rows[0])
    if not _postgresql():
        # The driver's own executemany, with values stored exactly as SQLAlchemy stores them
        # (dates as ISO text, times with microseconds): SQLAlchemy's per-row parameter
        # processing costs more than the insert itself.
        statement = _insert_sql(table, names)
        cursor = db.session.connection().connection.dbapi_connection.cursor()
        converters = [_SQLITE_STORES.get(type(table.c[name].type)) for name in names]
        plain = [name for name, convert in zip(names, converters, strict=True) if not convert]
        stored = [
            (name, convert) for name, convert in zip(names, converters, strict=True) if convert
        ]
        if stored:
            statement = _insert_sql(table, plain + [name for name, _ in stored])
        for chunk in chunks(rows):
            cursor.executemany(
                statement,
                [
                    [row[name] for name in plain]
                    + [
                        None if row[name] is None else convert(row[name])
                        for name, convert in stored
                    ]
                    for row in chunk
                ],
            )
        return
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    columns = ", ".join(f'"{name}"' for name in names)
    with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[name] for name in names])


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


def insert_returning(table: Table, rows: list[dict], key: str, *where) -> dict:
    """Insert rows and return their new ids by `key` (unique among the rows and `where`)."""
    insert_rows(table, rows)
    return dict(
        select_among((table.c[key], table.c.id), table.c[key], [row[key] for row in rows], *where)
    )
