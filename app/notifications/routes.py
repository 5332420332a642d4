"""Each user's in-app inbox."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select, update

from app.accounts.permissions import login_required, roles_required
from app.accounts.roles import Role
from app.database import writes
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.services import failed_messages_query
from app.pagination import paginate
from app.timeutil import utcnow

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.route("/inbox")
@login_required
def inbox():
    page = paginate(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.id.desc()),
        current_app.config["PAGE_SIZE"],
    )
    return render_template("notifications/inbox.html", page=page)


@bp.route("/inbox/read", methods=["POST"])
@login_required
def mark_all_read():
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    flash("All messages marked as read.")
    return redirect(url_for("notifications.inbox"))


@bp.route("/emails/failed")
@roles_required(Role.HR_ADMIN)
def failed_emails():
    """Emails to people in this organisation that could never be sent, and why."""
    page = paginate(
        failed_messages_query(current_user.organisation_id), current_app.config["PAGE_SIZE"]
    )
    return render_template("notifications/failed.html", page=page)


@bp.route("/inbox/<int:notification_id>")
@login_required
@writes
def open_notification(notification_id: int):
    from flask import abort

    from app.accounts.redirects import safe_next

    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return redirect(safe_next(notification.link, url_for("notifications.inbox")))
