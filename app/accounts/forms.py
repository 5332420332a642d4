from wtforms import (
    EmailField,
    PasswordField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from app.accounts.roles import ROLE_NAMES
from app.forms import AppForm, MaxLength
from app.text_limits import EMAIL, STAFF_NUMBER

ROLE_CHOICES = [SelectChoice(role.value, name) for role, name in ROLE_NAMES.items()]


class LoginForm(AppForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])


class ForgottenPasswordForm(AppForm):
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter your email address"),
            Email("Enter an email address in the right format, like name@nhs.net"),
            MaxLength(EMAIL),
        ],
    )


class _NewPasswordMixin:
    new_password = PasswordField(
        "New password",
        validators=[
            DataRequired("Enter a new password"),
            Length(
                MIN_LENGTH,
                MAX_LENGTH,
                f"Password must be between {MIN_LENGTH} and {MAX_LENGTH} characters",
            ),
        ],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        validators=[
            DataRequired("Enter the new password again"),
            EqualTo("new_password", "The two passwords do not match"),
        ],
    )


class SetPasswordForm(_NewPasswordMixin, AppForm):
    pass


class ChangePasswordForm(_NewPasswordMixin, AppForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password")]
    )


class RolesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InviteUserForm(AppForm):
    full_name = StringField("Full name", validators=[DataRequired("Enter the person's name")])
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter an email address"),
            Email("Enter an email address in the right format, like name@nhs.net"),
            MaxLength(EMAIL),
        ],
    )
    staff_number = StringField(
        "Staff number (optional)",
        validators=[Optional(), MaxLength(STAFF_NUMBER)],
    )
    roles = RolesField(
        "Roles", choices=ROLE_CHOICES, validators=[DataRequired("Choose at least one role")]
    )


class LinkStaffForm(AppForm):
    staff_number = StringField(
        "Staff number",
        validators=[
            DataRequired("Enter the person's staff number"),
            MaxLength(STAFF_NUMBER),
        ],
    )


class RolesForm(AppForm):
    roles = RolesField(
        "Roles", choices=ROLE_CHOICES, validators=[DataRequired("Choose at least one role")]
    )


class DisableForm(AppForm):
    reason = TextAreaField("Reason (recorded in the audit trail)", validators=[Optional()])
