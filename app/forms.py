"""The base of every form: CSRF (Flask-WTF), text that is data (never control characters), one
maximum length per kind of text, and the NHS.UK date input.

The pattern every form follows (README "Forms"): derive from `AppForm`; give a text field a
`MaxLength(<kind>)` from `app/text_limits.py` when its kind is not the default (a one-line field
is `SHORT_TEXT`, a paragraph `LONG_TEXT`); dates are `DayMonthYearField`; the template shows
`error_summary([form])` first and each field through `macros/forms.html`.
"""

import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import Length, StopValidation, ValidationError

from app.plain_text import control_character_problem
from app.text_limits import LONG_TEXT, SHORT_TEXT, too_long_message


class _PlainText:
    """Refuses control characters; a multi-line field keeps its line breaks and tabs."""

    def __init__(self, multi_line: bool):
        self.multi_line = multi_line

    def __call__(self, form, field: Field) -> None:
        if not isinstance(field.data, str):
            return
        problem = control_character_problem(
            field.label.text, field.data, multi_line=self.multi_line
        )
        if problem:
            raise StopValidation(problem)


_SINGLE_LINE, _MULTI_LINE = _PlainText(False), _PlainText(True)


def text_rule(field: Field) -> _PlainText | None:
    """Which rule a field takes: every text field has one, hidden fields excepted (they carry ids
    and versions that their own parsers refuse unless they are plain digits)."""
    if isinstance(field, TextAreaField):
        return _MULTI_LINE
    if isinstance(field, StringField) and not isinstance(field, HiddenField):
        return _SINGLE_LINE
    return None


class MaxLength:
    """The longest text a field takes, with the NHS.UK character count's wording."""

    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, form, field: Field) -> None:
        if isinstance(field.data, str) and len(field.data) > self.limit:
            raise ValidationError(too_long_message(field.label.text, self.limit))


def max_length(field: Field) -> int | None:
    """The limit a text field has: its own `MaxLength` (or a password's `Length`), else the one
    its kind of text has. None for fields that are not text a person types."""
    if text_rule(field) is None:
        return None
    for validator in field.validators:
        if isinstance(validator, MaxLength):
            return validator.limit
        if isinstance(validator, Length) and validator.max >= 0:
            return validator.max
    return LONG_TEXT if isinstance(field, TextAreaField) else SHORT_TEXT


def _declares_limit(field: Field) -> bool:
    return any(isinstance(v, MaxLength | Length) for v in field.validators)


_PARTS = ("day", "month", "year")
_DIGITS = re.compile(r"[0-9]{1,4}")


class DayMonthYearField(Field):
    """A date as the NHS.UK date input asks for it: day, month and year in three boxes, posted as
    `<name>-day`, `<name>-month`, `<name>-year`. What was typed is kept on error, and the error
    says what is missing ("Start date must include a month") or that it is not a real date.
    A single `<name>` holding an ISO date (YYYY-MM-DD) is read too, for scripts and old pages.

    `required` is the message when nothing was entered; without it the date is optional."""

    def __init__(self, label=None, validators=None, required: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required = required
        self.parts = dict.fromkeys(_PARTS, "")
        self.error_parts: set[str] = set()
        self._problem: str | None = None

    @property
    def error_target(self) -> str:
        """The box an error summary link lands on: the first part in error, else the day."""
        part = next((p for p in _PARTS if p in self.error_parts), "day")
        return f"{self.id}-{part}"

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = data if isinstance(data, date) else None
        self.raw_data = None
        if self.data is not None:
            self.parts = {
                "day": str(self.data.day),
                "month": str(self.data.month),
                "year": str(self.data.year),
            }
        if formdata is None:
            return
        names = [f"{self.name}-{part}" for part in _PARTS]
        if any(name in formdata for name in names):
            self.raw_data = [formdata.get(name, "") for name in names]
            self.parts = dict(zip(_PARTS, (value.strip() for value in self.raw_data), strict=True))
        elif self.name in formdata:
            self.raw_data = [formdata.get(self.name, "")]
            given = self.raw_data[0].strip()
            try:
                day = date.fromisoformat(given) if given else None
            except ValueError:
                self.parts = dict.fromkeys(_PARTS, "")
                self.data, self._problem = None, f"{self.label.text} must be a real date"
                self.error_parts = set(_PARTS)
                return
            self.parts = (
                {"day": str(day.day), "month": str(day.month), "year": str(day.year)}
                if day
                else dict.fromkeys(_PARTS, "")
            )
        else:
            self.parts = dict.fromkeys(_PARTS, "")
        self.data, self._problem, self.error_parts = self._read()

    def _read(self) -> tuple[date | None, str | None, set[str]]:
        label = self.label.text
        missing = [part for part in _PARTS if not self.parts[part]]
        if len(missing) == 3:
            return None, None, set()
        if missing:
            return None, f"{label} must include a {' and a '.join(missing)}", set(missing)
        wrong = {part for part in _PARTS if not _DIGITS.fullmatch(self.parts[part])}
        if wrong:
            return None, f"{label} must be a real date", wrong
        if len(self.parts["year"]) != 4:
            return None, f"{label}: the year must include 4 numbers", {"year"}
        try:
            day = date(int(self.parts["year"]), int(self.parts["month"]), int(self.parts["day"]))
        except ValueError:
            month_ok = 1 <= int(self.parts["month"]) <= 12
            return None, f"{label} must be a real date", {"day"} if month_ok else {"month"}
        return day, None, set()

    def pre_validate(self, form):
        if self._problem:
            raise StopValidation(self._problem)
        if self.data is None:
            if self.required:
                self.error_parts = set(_PARTS)
                raise StopValidation(self.required)
            raise StopValidation()

    def _value(self) -> str:
        return self.data.isoformat() if self.data else ""


class AppForm(FlaskForm):
    """Every form in the app derives from this, so no form can forget the text rule or a limit."""

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            rule = text_rule(field)
            if rule is not None:
                extra.setdefault(name, []).append(rule)
                if not _declares_limit(field) and not isinstance(field, PasswordField):
                    extra[name].append(MaxLength(max_length(field)))
        return super().validate(extra_validators=extra)
