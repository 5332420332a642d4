from wtforms import DecimalField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, NumberRange, Optional

from app.forms import AppForm, DayMonthYearField
from app.goals import planning
from app.versioning import VersionField


def field_name(measure: str, year: int) -> str:
    return f"g_{planning.slug(measure)}_{year}"


def goals_form(years: list[int], editing: bool = False, **kwargs) -> AppForm:
    """One number per measure and goal year: shares as percentages, indicator 2 as a ratio."""

    class GoalsForm(AppForm):
        note = TextAreaField(
            "What these goals are based on, or what changed and why",
            validators=[Optional()],
        )

    if editing:
        GoalsForm.version = VersionField()
    for measure in planning.MEASURES:
        for year in years:
            if measure == planning.INDICATOR2:
                field = DecimalField(
                    f"{planning.MEASURE_NAMES[measure]} at most, {year}",
                    places=2,
                    validators=[
                        InputRequired(f"Enter the indicator 2 goal for {year}"),
                        NumberRange(0.01, 10, "Enter a relative likelihood from 0.01 to 10"),
                    ],
                )
            else:
                field = DecimalField(
                    f"{planning.MEASURE_NAMES[measure]}, 31 March {year} (%)",
                    places=1,
                    validators=[
                        InputRequired(
                            f"Enter the {planning.MEASURE_NAMES[measure]} goal for {year}"
                        ),
                        NumberRange(0, 100, "Enter a percentage from 0 to 100"),
                    ],
                )
            setattr(GoalsForm, field_name(measure, year), field)
    return GoalsForm(**kwargs)


def values_from(form, years: list[int]) -> dict:
    values = {}
    for measure in planning.MEASURES:
        for year in years:
            number = getattr(form, field_name(measure, year)).data
            value = float(number)
            values[(measure, year)] = value if measure == planning.INDICATOR2 else value / 100
    return values


def fill(form, rows, years: list[int]) -> None:
    """Put each row's goals into the form, shares as percentages rounded to 0.1."""
    for row in rows:
        for year in years:
            value = row.goals.get(year)
            if value is None:
                continue
            field = getattr(form, field_name(row.measure, year))
            field.data = (
                round(value, 2) if row.measure == planning.INDICATOR2 else round(100 * value, 1)
            )


class ApproveForm(AppForm):
    version = VersionField()


SERVES_CHOICES = [SelectChoice("", "Choose the goal or indicator")] + [
    SelectChoice(k, v) for k, v in planning.SERVES.items()
]


# The selects check their own choice with a message saying what to do, rather than WTForms'
# "Not a valid choice" beside it; the owner's list is the organisation's users, which the service
# checks again.
class ActionForm(AppForm):
    title = StringField("Action", validators=[DataRequired("Enter what the action is")])
    detail = TextAreaField("Detail", validators=[Optional()])
    owner_id = SelectField(
        "Owner", coerce=str, validate_choice=False, validators=[DataRequired("Choose the owner")]
    )
    due_date = DayMonthYearField("Due date", required="Enter the due date")
    serves = SelectField(
        "The goal or indicator it serves",
        choices=SERVES_CHOICES,
        validate_choice=False,
        validators=[
            AnyOf(list(planning.SERVES), message="Choose the goal or indicator the action serves")
        ],
    )


class EditActionForm(ActionForm):
    version = VersionField()


class ProgressForm(AppForm):
    version = VersionField()
    written_on = DayMonthYearField("Date of the update", required="Enter the date of the update")
    text = TextAreaField("Progress", validators=[DataRequired("Describe the progress")])
    status = SelectField(
        "Status now",
        choices=[SelectChoice(k, v) for k, v in planning.ACTION_STATUSES.items()],
        validate_choice=False,
        validators=[AnyOf(list(planning.ACTION_STATUSES), message="Choose the status now")],
    )
    reason = TextAreaField(
        "Reason it is dropped",
        validators=[Optional()],
        description="Needed only when the action is dropped",
    )
