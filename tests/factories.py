"""factory-boy factories bound to the Flask-SQLAlchemy session."""

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import select

from app.accounts.models import User, UserRole
from app.accounts.passwords import hash_password
from app.extensions import db
from app.workforce import history
from app.workforce.models import Organisation, OrganisationSettings, Staff

PASSWORD = "correct horse battery staple"


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class OrganisationFactory(_Base):
    class Meta:
        model = Organisation

    code = factory.Sequence(lambda n: f"R{n:03d}")
    name = factory.LazyAttribute(lambda o: f"{o.code} NHS Trust")
    settings = factory.LazyFunction(OrganisationSettings)


class StaffFactory(_Base):
    class Meta:
        model = Staff

    organisation = factory.SubFactory(OrganisationFactory)
    staff_number = factory.Sequence(lambda n: f"{10000000 + n}")
    full_name = factory.Faker("name", locale="en_GB")
    email = factory.LazyAttribute(lambda s: f"staff{s.staff_number}@example.nhs.uk")
    ethnic_category = "A"
    pay_band = "6"
    staff_group = "clinical-non-medical"

    @factory.post_generation
    def with_history(obj, create, extracted, **kwargs):
        """Figures read the staff history, so a record made here has one, as an import would."""
        if create:
            history.start_history(obj)


class UserFactory(_Base):
    class Meta:
        model = User
        exclude = ("roles", "password")

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"user{n}@example.nhs.uk")
    full_name = factory.Faker("name", locale="en_GB")
    password = PASSWORD
    password_hash = factory.LazyAttribute(lambda u: hash_password(u.password))
    # As HR would choose it: the unlinked staff record already in the organisation with this
    # email, if any. Made once, here; an import later never moves it.
    staff_id = factory.LazyAttribute(lambda u: _unlinked_staff_with_email(u.organisation, u.email))
    roles = ("hr-admin",)
    role_rows = factory.LazyAttribute(lambda u: [UserRole(role=str(r)) for r in u.roles])


def link_account(staff: Staff) -> None:
    """Link the account with this record's email to it, as HR would (by staff number) once the
    record exists; for tests that make the account before the staff record."""
    user = db.session.scalar(
        select(User).where(User.organisation_id == staff.organisation_id, User.email == staff.email)
    )
    user.staff_id = staff.id
    db.session.flush()


def _unlinked_staff_with_email(organisation, email):
    linked = select(User.staff_id).where(User.staff_id.is_not(None))
    return db.session.scalar(
        select(Staff.id)
        .where(
            Staff.organisation_id == organisation.id,
            Staff.email == email.lower(),
            Staff.id.not_in(linked),
        )
        .order_by(Staff.id)
        .limit(1)
    )
