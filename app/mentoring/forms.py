from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from app.forms import AppForm, DayMonthYearField
from app.mentoring.eligibility import FORMATS, TYPES
from app.versioning import VersionField

TYPE_CHOICES = [SelectChoice(k, v) for k, v in TYPES.items()]


class RelationshipForm(AppForm):
    colleague_id = HiddenField()
    kind = SelectField("Type", choices=TYPE_CHOICES)
    start_date = DayMonthYearField("Start date", required="Enter the start date")
    agreement = TextAreaField(
        "What you have agreed",
        validators=[Optional()],
        description="For example: meet monthly for an hour; what each of you hopes to gain",
    )


class ChangeRelationshipForm(AppForm):
    version = VersionField()
    kind = SelectField("Type", choices=TYPE_CHOICES)
    start_date = DayMonthYearField("Start date", required="Enter the start date")
    agreement = TextAreaField("What you have agreed", validators=[Optional()])


class EndForm(AppForm):
    version = VersionField()
    end_date = DayMonthYearField("Date it ended", required="Enter the date it ended")


class SessionForm(AppForm):
    held_on = DayMonthYearField("Date", required="Enter the date of the session")
    minutes = IntegerField(
        "Length in minutes",
        default=60,
        validators=[
            InputRequired("Enter the length in minutes"),
            NumberRange(1, 480, "Enter a length from 1 to 480 minutes"),
        ],
    )
    format = SelectField("Format", choices=[SelectChoice(k, v) for k, v in FORMATS.items()])
    summary = TextAreaField(
        "Shared summary",
        validators=[Optional()],
        description="Appears in the appraisal evidence.",
    )
    private_note = TextAreaField(
        "Private note",
        validators=[Optional()],
        description="Only the two of you can ever see this. It is "
        "never in the evidence or any report.",
    )


class GoalForm(AppForm):
    text = TextAreaField("Goal", validators=[DataRequired("Describe the goal")])
    target_date = DayMonthYearField("Target date")


class GoalProgressForm(AppForm):
    progress = TextAreaField("Progress", validators=[Optional()])
    done = BooleanField("Done")
