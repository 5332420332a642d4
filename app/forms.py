"""The base of every form: CSRF (Flask-WTF) and text that is data, never control characters."""

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, StringField, TextAreaField
from wtforms.validators import StopValidation

from app.plain_text import control_character_problem


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


class AppForm(FlaskForm):
    """Every form in the app derives from this, so no form can forget the text rule."""

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            rule = text_rule(field)
            if rule is not None:
                extra.setdefault(name, []).append(rule)
        return super().validate(extra_validators=extra)
