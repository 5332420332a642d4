from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Optional

from app.forms import AppForm
from app.versioning import VersionField


class WriteForm(AppForm):
    """CSRF and version; the reasons per applicant are read by the route."""

    version = VersionField()


class ReviewForm(AppForm):
    version = VersionField()
    outcome = RadioField(
        "Your decision",
        choices=[
            SelectChoice("accepted", "Accept the justification"),
            SelectChoice("more-information-requested", "Ask the manager for more information"),
            SelectChoice("referred", "Refer it"),
        ],
        validate_choice=False,
    )
    note = TextAreaField("Note to the manager", validators=[Optional()])
    referred_to = StringField(
        "Referred to",
        validators=[Optional()],
        description="For example: the chief people officer, or the board's people committee",
    )
