from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from app.forms import AppForm, DayMonthYearField, MaxLength
from app.recruitment.models import MEMBER_ROLES
from app.text_limits import REFERENCE, STAFF_NUMBER
from app.versioning import VersionField
from app.workforce.bands import BANDS, STAFF_GROUP_NAMES, band_name
from app.workforce.ethnicity import CATEGORIES

BAND_CHOICES = [SelectChoice("", "Choose a band")] + [SelectChoice(b, band_name(b)) for b in BANDS]
STAFF_GROUP_CHOICES = [SelectChoice("", "Not recorded")] + [
    SelectChoice(k, v) for k, v in STAFF_GROUP_NAMES.items()
]
ROLE_CHOICES = [SelectChoice(k, v) for k, v in MEMBER_ROLES.items()]
ETHNICITY_CHOICES = [SelectChoice("99", "Not known")] + [
    SelectChoice(code, f"{code} {name}") for code, name in CATEGORIES.items() if code != "99"
]


class _Versioned:
    version = VersionField()


class VacancyForm(AppForm):
    reference = StringField(
        "Vacancy reference",
        validators=[
            DataRequired("Enter the vacancy reference, as in NHS Jobs or Trac"),
            MaxLength(REFERENCE),
        ],
    )
    title = StringField("Job title", validators=[DataRequired("Enter the job title")])
    pay_band = SelectField(
        "Band", choices=BAND_CHOICES, validators=[DataRequired("Choose the band of the post")]
    )
    staff_group = SelectField("Staff group", choices=STAFF_GROUP_CHOICES)
    department = StringField("Department", validators=[Optional()])
    posts = IntegerField(
        "Number of posts",
        default=1,
        validators=[
            InputRequired("Enter the number of posts"),
            NumberRange(1, 500, "Enter a number of posts from 1 to 500"),
        ],
    )
    international_recruitment = BooleanField("This is an international recruitment campaign")


class VacancyEditForm(_Versioned, VacancyForm):
    recruiting_manager_id = SelectField("Recruiting manager", coerce=int)


class BatchForm(AppForm):
    reference = StringField(
        "Batch reference",
        validators=[DataRequired("Enter a reference for the batch"), MaxLength(REFERENCE)],
    )
    name = StringField(
        "Name",
        validators=[DataRequired("Give the batch a name")],
        description="For example: Staff nurses, spring intake",
    )
    interview_date = DayMonthYearField("Interview date")


class ApplicantForm(AppForm):
    reference = StringField(
        "Applicant reference",
        validators=[
            DataRequired("Enter the applicant's reference from NHS Jobs or Trac"),
            MaxLength(REFERENCE),
        ],
    )


class DecisionForm(_Versioned, AppForm):
    decision_date = DayMonthYearField("Date of the decision")
    override_reason = TextAreaField(
        "Reason for changing a locked decision", validators=[Optional()]
    )


class StaffMemberForm(_Versioned, AppForm):
    staff_id = HiddenField()
    role = SelectField("Role on the panel", choices=ROLE_CHOICES, default="member")
    reason = TextAreaField("Reason for the change", validators=[Optional()])
    exception_reason = TextAreaField("Exception reason", validators=[Optional()])


class ExternalMemberForm(_Versioned, AppForm):
    external_name = StringField(
        "Name and organisation",
        validators=[DataRequired("Enter the external member's name")],
    )
    external_ethnic_category = SelectField(
        "Ethnic category (as the member declared it)", choices=ETHNICITY_CHOICES
    )
    role = SelectField("Role on the panel", choices=ROLE_CHOICES, default="member")
    reason = TextAreaField("Reason for the change", validators=[Optional()])
    exception_reason = TextAreaField("Exception reason", validators=[Optional()])


class RemoveMemberForm(_Versioned, AppForm):
    reason = TextAreaField("Reason for the change", validators=[Optional()])
    exception_reason = TextAreaField("Exception reason", validators=[Optional()])


class ConfirmPanelForm(_Versioned, AppForm):
    method = StringField("Shortlisting method or interview format", validators=[Optional()])
    assessment = TextAreaField("Assessment methods", validators=[Optional()])
    exception_reason = TextAreaField("Exception reason", validators=[Optional()])


class PoolMemberForm(AppForm):
    staff_number = StringField(
        "Staff number", validators=[DataRequired("Enter the staff number"), MaxLength(STAFF_NUMBER)]
    )
    training_date = DayMonthYearField("Date of fair-recruitment training")
    note = StringField(
        "Note",
        validators=[Optional()],
        description="For example: inclusion ambassador",
    )
    diverse_member = BooleanField(
        "They joined the pool as a BME (diverse) panel member",
        description=(
            "Tick only if the person asked to join as a BME panel member. Managers' panel "
            "checks count them as a BME member; their staff record (ESR) is never used there."
        ),
    )


class ApplicantEthnicityForm(AppForm):
    ethnic_category = SelectField(
        "Ethnic category (equality monitoring)", choices=ETHNICITY_CHOICES
    )


class UploadForm(AppForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file")])


class OutcomesForm(_Versioned, AppForm):
    """Carries the CSRF token and version; the per-applicant boxes are read by the route."""
