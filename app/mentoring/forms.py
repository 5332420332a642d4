from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.forms import AppForm
from app.mentoring.eligibility import FORMATS, TYPES
from app.versioning import VersionField

TYPE_CHOICES = [SelectChoice(k, v) for k, v in TYPES.items()]


class RelationshipForm(AppForm):
    colleague_id = HiddenField()
    kind = SelectField("Type", choices=TYPE_CHOICES)
    start_date = DateField(
        "Start date", format="%Y-%m-%d", validators=[InputRequired("Enter the start date")]
    )
    agreement = TextAreaField(
        "What you have agreed",
        validators=[Optional(), Length(max=4000)],
        description="For example: meet monthly for an hour; what each of you hopes to gain",
    )


class ChangeRelationshipForm(AppForm):
    version = VersionField()
    kind = SelectField("Type", choices=TYPE_CHOICES)
    start_date = DateField(
        "Start date", format="%Y-%m-%d", validators=[InputRequired("Enter the start date")]
    )
    agreement = TextAreaField("What you have agreed", validators=[Optional(), Length(max=4000)])


class EndForm(AppForm):
    version = VersionField()
    end_date = DateField(
        "Date it ended", format="%Y-%m-%d", validators=[InputRequired("Enter the date it ended")]
    )


class SessionForm(AppForm):
    held_on = DateField(
        "Date", format="%Y-%m-%d", validators=[InputRequired("Enter the date of the session")]
    )
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
        validators=[Optional(), Length(max=4000)],
        description="Appears in the appraisal evidence.",
    )
    private_note = TextAreaField(
        "Private note",
        validators=[Optional(), Length(max=4000)],
        description="Only the two of you can ever see this. It is "
        "never in the evidence or any report.",
    )


class GoalForm(AppForm):
    text = TextAreaField("Goal", validators=[DataRequired("Describe the goal"), Length(max=2000)])
    target_date = DateField("Target date", format="%Y-%m-%d", validators=[Optional()])


class GoalProgressForm(AppForm):
    progress = TextAreaField("Progress", validators=[Optional(), Length(max=4000)])
    done = BooleanField("Done")
