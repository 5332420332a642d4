"""Users, their roles, invitations, sign-in sessions and throttling counters."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.roles import Role
from app.extensions import FoundationModel
from app.timeutil import utcnow


class User(UserMixin, FoundationModel):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None until invitation used
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The person's staff record, chosen by staff number when the account is made and never
    # changed by an import: an email address in an ESR file must not decide whose account it is.
    # Unique, so no second account can be pointed at someone's record (and their mentoring notes).
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), unique=True
    )
    # A one-time link to set the password: an invitation, or a reset once a password exists.
    invitation_hash: Mapped[str | None] = mapped_column(String(128))
    invitation_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    organisation = relationship("Organisation")
    staff = relationship("Staff")
    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # The secret of the session this object was loaded for; not stored. Flask-Login keeps it in
    # the cookie as the identity, and the loader finds the session row by its hash.
    session_secret = None

    def get_id(self) -> str:
        if not self.session_secret:
            raise RuntimeError("sign in through accounts.services.start_session")
        return self.session_secret

    @property
    def roles(self) -> set[Role]:
        return {Role(row.role) for row in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_active(self) -> bool:
        return not self.disabled

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(FoundationModel):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(30))

    user: Mapped[User] = relationship(back_populates="role_rows")


class UserSession(FoundationModel):
    """One signed-in browser. The cookie carries only a random secret whose hash is stored here,
    so signing out, a new password or disabling ends the session on the server: a copied cookie
    stops working at once, wherever it is replayed from."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_open", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the secret
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    # signed-out, idle, password-changed, password-reset, disabled
    end_reason: Mapped[str | None] = mapped_column(String(30))
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ip_address: Mapped[str] = mapped_column(String(45), default="")

    user: Mapped[User] = relationship()


class ThrottleCounter(FoundationModel):
    """Failures counted per key (an address, an account, a password check) in the database, so
    every web worker sees the same count without a separate store."""

    __tablename__ = "throttle_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256: no emails stored
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    next_allowed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
