"""The dashboard's edge: login and language per request, the organization being worked on, the
API's throttles, and domain errors turned into messages (the API turns them into JSON)."""
from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.exceptions import APIException, Throttled
from rest_framework.exceptions import ValidationError as DRFValidationError

from backend.accounts.models import Organization
from backend.accounts.permissions import org_roles
from backend.accounts.selectors import organizations_of
from backend.core.exceptions import DomainError, ValidationFailed

from .models import LANGUAGES, Preference

LANGUAGE_CODES = {code for code, _ in LANGUAGES}


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def user_language(user) -> str:
    pref = Preference.objects.filter(user=user).values_list("language", flat=True).first()
    return pref or "en"


def anonymous_language(request: HttpRequest) -> str:
    lang = request.GET.get("lang") or request.COOKIES.get("postloom_lang") or "en"
    return lang if lang in LANGUAGE_CODES else "en"


def current_organization(request: HttpRequest) -> Organization | None:
    orgs = organizations_of(request.user).order_by("id")
    chosen = request.session.get("dashboard_org")
    org = orgs.filter(pk=chosen).first() if chosen else None
    return org or orgs.first()


def role_in(request: HttpRequest, organization: Organization | None) -> str | None:
    return org_roles(request.user).get(organization.pk) if organization else None


def dashboard_view(view):
    """Login required (a redirect to /app/login/; HTMX gets HX-Redirect), the user's language, the
    organization being worked on and its timezone (times are shown and entered in it)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            login = reverse("dashboard:login")
            if is_htmx(request):
                return HttpResponse(status=204, headers={"HX-Redirect": login})
            return redirect_to_login(request.get_full_path(), login_url=login)
        lang = user_language(request.user)
        request.organization = current_organization(request)
        request.role = role_in(request, request.organization)
        tz = (request.organization.timezone if request.organization else "") or "UTC"
        with translation.override(lang), timezone.override(tz):
            request.LANGUAGE_CODE = lang
            return view(request, *args, **kwargs)

    return wrapper


def throttle_check(request: HttpRequest, view_class: Any) -> str | None:
    """Apply the API view's own throttle classes (and scope) to a dashboard request; returns the
    message to show when over the limit."""
    for throttle_class in getattr(view_class, "throttle_classes", []):
        throttle = throttle_class()
        if not throttle.allow_request(request, view_class):
            wait = throttle.wait()
            return str(Throttled(wait=wait).detail)
    return None


def error_messages(exc: Exception) -> dict[str, list[str]]:
    """Field → messages for a domain error, a DRF error or a serializer's errors."""
    if isinstance(exc, ValidationFailed):
        return _flatten(exc.errors)
    if isinstance(exc, DRFValidationError):
        return _flatten(exc.detail)
    if isinstance(exc, (DomainError, APIException)):
        detail = exc.detail
        if isinstance(detail, dict):
            return _flatten(detail)
        return {"general": [str(detail)]}
    raise exc


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(value, dict):
                for sub, msgs in _flatten(value, prefix).items():
                    out.setdefault(str(key) if sub == "general" else sub, []).extend(msgs)
            else:
                out.setdefault(str(key) if str(key) != "non_field_errors" else "general", []).extend(_messages(value))
    else:
        out["general"] = _messages(errors)
    return out


def _messages(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[1], str) and isinstance(value[0], str) and " " not in value[1]:
        return [value[0]]  # a (message, code) pair
    if isinstance(value, (list, tuple)):
        return [m for item in value for m in _messages(item)]
    return [str(value)]


def error_text(exc: Exception) -> str:
    return " ".join(m for msgs in error_messages(exc).values() for m in msgs)


def back(request: HttpRequest, default: str = "dashboard:home") -> HttpResponse:
    target = request.POST.get("next") or ""
    if target.startswith("/app/") and "//" not in target:
        return redirect(target)
    return redirect(default)


def flash_error(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, error_text(exc))
