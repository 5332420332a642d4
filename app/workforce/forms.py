from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from app.forms import AppForm, DayMonthYearField
from app.workforce.bands import AFC_BANDS, band_name
from app.workforce.models import JUSTIFICATION_POLICIES
from app.workforce.peer_groups import ORGANISATION_TYPES, SIZE_BAND_NAMES


class StaffUploadForm(AppForm):
    file = FileField("ESR staff extract (CSV)", validators=[FileRequired("Choose a CSV file")])
    as_at = DayMonthYearField(
        "Extract date",
        description="The date the extract describes; leave blank for today. Its changes count "
        "from that date, and earlier dates keep their figures.",
    )


class SettingsForm(AppForm):
    panel_min_bme_members = IntegerField(
        "Minimum BME members on each panel",
        validators=[
            InputRequired("Enter the minimum number of BME members"),
            NumberRange(0, 10, "Enter a number from 0 to 10"),
        ],
    )
    panel_rule_min_band = SelectField(
        "Apply the panel rule from band",
        choices=[SelectChoice("", "Every band")]
        + [SelectChoice(b, band_name(b)) for b in AFC_BANDS],
    )
    panel_training_months = IntegerField(
        "Panel members must have had fair-recruitment training within (months)",
        validators=[Optional(), NumberRange(1, 120, "Enter a number of months from 1 to 120")],
    )
    panel_independent_required = BooleanField("Every panel needs an independent member")
    justification_due_working_days = IntegerField(
        "Justification due (working days after the decision)",
        validators=[
            InputRequired("Enter the number of working days"),
            NumberRange(1, 60, "Enter a number of working days from 1 to 60"),
        ],
    )
    justification_policy = SelectField(
        "A justification to the chair is needed when",
        choices=[SelectChoice(k, v) for k, v in JUSTIFICATION_POLICIES.items()],
    )
    default_turnover = DecimalField(
        "Default annual turnover (%)",
        places=1,
        validators=[
            InputRequired("Enter the default turnover as a percentage"),
            NumberRange(0.1, 99.9, "Enter a percentage between 0.1 and 99.9"),
        ],
    )
    target_year = IntegerField(
        "Leadership aspiration target year",
        validators=[
            InputRequired("Enter the target year"),
            NumberRange(2019, 2050, "Enter a year from 2019 to 2050"),
        ],
    )
    suppression_threshold = IntegerField(
        "Suppress published counts up to",
        validators=[
            InputRequired("Enter the largest count to suppress"),
            NumberRange(0, 20, "Enter a number from 0 to 20"),
        ],
    )
    non_adverse_low = DecimalField(
        "Indicator 2 non-adverse range: lower bound",
        places=2,
        validators=[
            InputRequired("Enter the lower bound"),
            NumberRange(0.01, 5, "Enter a number between 0.01 and 5"),
        ],
    )
    non_adverse_high = DecimalField(
        "Indicator 2 non-adverse range: upper bound",
        places=2,
        validators=[
            InputRequired("Enter the upper bound"),
            NumberRange(0.01, 5, "Enter a number between 0.01 and 5"),
        ],
    )
    mentoring_counts_non_consultant_medical = BooleanField(
        "Mentoring of non-consultant medical grades counts toward the commitment"
    )
    organisation_type = SelectField(
        "Type of organisation",
        default="",
        choices=[SelectChoice("", "Not set")]
        + [SelectChoice(k, v) for k, v in ORGANISATION_TYPES.items()],
    )
    size_band = SelectField(
        "Size",
        default="",
        choices=[SelectChoice("", "Not set")]
        + [SelectChoice(k, v) for k, v in SIZE_BAND_NAMES.items()],
    )

    def validate_non_adverse_high(self, field):
        low = self.non_adverse_low.data
        if low is not None and field.data is not None and field.data <= low:
            raise ValidationError("The upper bound must be above the lower bound")
