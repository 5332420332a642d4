"""The bare baselines `make bench` measures the product against, in the same run.

- `python bench/bare.py import FILE URL`: read the CSV with the standard library and write every
  row, as text, into a plain table: executemany on SQLite, COPY on PostgreSQL. No validation,
  no history, no audit: the floor for an import of that file on that database.
- `app`: a bare Flask + Flask-SQLAlchemy app, served by gunicorn with the product's settings.
  `/hello` answers a constant; `/list?after=ID` renders 50 vacancies by id from the benchmark's
  own database, the floor for a list page.
"""

import csv
import os
import sys
import time

from flask import Flask, render_template_string, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text

LIST = """<!DOCTYPE html><html lang="en"><head><title>Vacancies</title></head><body>
<table>{% for row in rows %}<tr><td><a href="/v/{{ row.id }}">{{ row.reference }}</a></td>
<td>{{ row.title }}</td><td>{{ row.pay_band }}</td><td>{{ row.status }}</td></tr>{% endfor %}
</table>{% if rows %}<a href="/list?after={{ rows[-1].id }}">Next</a>{% endif %}</body></html>"""


def create_app() -> Flask:
    bare = Flask(__name__)
    bare.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    db = SQLAlchemy(bare)

    @bare.route("/hello")
    def hello():
        return "hello"

    @bare.route("/list")
    def listing():
        after = int(request.args.get("after", "0"))
        rows = db.session.execute(
            text(
                "SELECT id, reference, title, pay_band, status FROM vacancy "
                "WHERE organisation_id = :org AND id > :after ORDER BY id LIMIT 50"
            ),
            {"org": int(os.environ.get("BENCH_ORG_ID", "1")), "after": after},
        ).all()
        return render_template_string(LIST, rows=rows)

    return bare


if os.environ.get("DATABASE_URL") and __name__ != "__main__":
    app = create_app()


def bare_import(path: str, url: str) -> None:
    with open(path, newline="", encoding="utf-8-sig") as source:
        reader = csv.reader(source)
        header = next(reader)
        columns = ", ".join(f"c{i} text" for i in range(len(header)))
        start = time.perf_counter()
        if url.startswith("sqlite"):
            import sqlite3

            connection = sqlite3.connect(url.split("///", 1)[1])
            connection.execute("DROP TABLE IF EXISTS bare_rows")
            connection.execute(f"CREATE TABLE bare_rows (id INTEGER PRIMARY KEY, {columns})")
            marks = ", ".join("?" for _ in header)
            names = ", ".join(f"c{i}" for i in range(len(header)))
            connection.executemany(f"INSERT INTO bare_rows ({names}) VALUES ({marks})", reader)
            connection.commit()
        else:
            import psycopg

            with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as pg:
                pg.execute("DROP TABLE IF EXISTS bare_rows")
                pg.execute(f"CREATE TABLE bare_rows (id serial PRIMARY KEY, {columns})")
                names = ", ".join(f"c{i}" for i in range(len(header)))
                with pg.cursor().copy(f"COPY bare_rows ({names}) FROM STDIN") as copy:
                    for row in reader:
                        copy.write_row(row)
        print(f"{time.perf_counter() - start:.6f}")


if __name__ == "__main__" and sys.argv[1:2] == ["import"]:
    bare_import(sys.argv[2], sys.argv[3])
