"""Shaped values for the justification pages."""

from flask import current_app
from markupsafe import Markup

from app.justifications.models import STATUSES

_CLASSES = {"accepted": "nhsuk-tag--green", "submitted": "nhsuk-tag--blue"}


class StatusCells(dict):
    """The queue's Status cell for each (status, overdue) a page shows: the status's tag, red
    when overdue, and an "Overdue" tag beside it. Each is made once per page, where two tags a
    row cost as much as the rest of the row."""

    def __missing__(self, key: tuple[str, bool]) -> Markup:
        status, overdue = key
        environment = current_app.jinja_env
        tag = environment.globals["cached_tag"]
        # A status no name is given for prints as the template printed it: an undefined text.
        text = STATUSES[status] if status in STATUSES else environment.undefined(name=status)
        classes = "nhsuk-tag--red" if overdue else _CLASSES.get(status, "nhsuk-tag--grey")
        cell = tag({"text": text, "classes": classes})
        if overdue:
            cell += Markup(" ") + tag({"text": "Overdue", "classes": "nhsuk-tag--red"})
        self[key] = cell
        return cell
