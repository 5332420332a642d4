"""Page-at-a-time lists: one COUNT and one bounded SELECT, whatever the table's size."""

from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from sqlalchemy import Select, func, select

from app.extensions import db
from app.numbers import ascii_int


@dataclass
class Page:
    items: list[Any]
    number: int
    size: int
    total: int
    # The page the list is on, when the request is a form posted elsewhere that shows it again.
    endpoint: str | None = None
    view_args: dict | None = None

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
