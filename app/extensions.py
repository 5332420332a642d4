"""Extension objects, created here and bound to the app in create_app. Flask-Migrate is bound
lazily there (app/__init__.py): Alembic is a third of a second no other command needs."""

from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# A naming convention so Alembic can name, and later drop, every constraint on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class _FoundationBase(DeclarativeBase):
    metadata = Base.metadata


# The foundation tables (organisations, staff, accounts, imports, the audit trail) are mapped in
# a registry of their own, on the same metadata: SQLAlchemy configures a registry's mappers all
# at once, at the first query or object of any of them, and configuring every feature's 46
# mappers (58 relationships) cost a `flask staff import` about a sixth of its time, for
# tables it never touches. Feature models depend on these; these never on a feature.
FoundationModel = db._make_declarative_base(_FoundationBase)
login_manager = LoginManager()
csrf = CSRFProtect()
