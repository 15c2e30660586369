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
