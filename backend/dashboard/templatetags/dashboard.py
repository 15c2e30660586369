from django import template
from django.utils.translation import gettext as _

register = template.Library()

# Status badge colours: dark text on a light tint (AA contrast).
BADGES = {
    "draft": "bg-slate-200 text-slate-900",
    "pending": "bg-amber-100 text-amber-900",
    "scheduled": "bg-blue-100 text-blue-900",
    "publishing": "bg-violet-100 text-violet-900",
    "posted": "bg-green-100 text-green-900",
    "failed": "bg-red-100 text-red-900",
    "cancelled": "bg-slate-100 text-slate-800",
}


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key) if hasattr(mapping, "get") else None


@register.filter
def badge(status: str) -> str:
    return BADGES.get(status, "bg-slate-100 text-slate-900")


@register.simple_tag
def status_label(status: str) -> str:
    labels = {
        "draft": _("draft"), "pending": _("pending"), "scheduled": _("scheduled"), "publishing": _("publishing"),
        "posted": _("posted"), "failed": _("failed"), "cancelled": _("cancelled"),
    }
    return labels.get(status, status)


@register.simple_tag
def outcome_label(outcome: str) -> str:
    """A publish attempt's outcome (scheduling.PublishAttempt.Outcome) in the user's language."""
    labels = {
        "in_progress": _("in progress"), "success": _("success"), "transient": _("temporary error"),
        "rate_limited": _("rate limited"), "auth": _("login expired"), "permanent": _("rejected"),
        "unconfirmed": _("outcome unknown"),
    }
    return labels.get(outcome, outcome)


@register.simple_tag
def metric_label(name: str) -> str:
    """An engagement figure's name (scheduling.metrics.FIELDS) in the user's language."""
    labels = {
        "likes": _("Likes"), "comments": _("Comments"), "shares": _("Shares"), "views": _("Views"),
        "reach": _("Reach"), "impressions": _("Impressions"),
    }
    return labels.get(name, name)


@register.simple_tag
def role_label(role: str) -> str:
    """A member's role (accounts.Role) in the user's language."""
    labels = {"owner": _("Owner"), "admin": _("Admin"), "editor": _("Editor"), "viewer": _("Viewer")}
    return labels.get(role, role)


@register.simple_tag
def first_comment_label(status: str) -> str:
    """A first comment's status (scheduling.ScheduledPost.FirstCommentStatus) in the user's language."""
    labels = {"none": _("after the post is published"), "pending": _("being published"), "posted": _("posted"), "failed": _("failed")}
    return labels.get(status, status)
