"""The dashboard's pages. Each view reads a form, calls the same service (or API input
serializer, for validation) as the matching API endpoint, and renders a page or an HTMX partial.
Domain errors become inline errors or toasts instead of JSON."""
from __future__ import annotations

import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException
from rest_framework.exceptions import ValidationError as DRFValidationError

from backend.accounts import services as account_services
from backend.accounts.models import MANAGER_ROLES, WRITER_ROLES, Membership, Role
from backend.accounts.serializers import InviteInput, MemberRoleInput
from backend.accounts.selectors import organizations_of
from backend.accounts.views import SignupView, TokenView
from backend.ai_services.errors import domain_error
from backend.ai_services.models import GenerationJob
from backend.ai_services.serializers import PosterInput
from backend.ai_services.services import poster_request
from backend.ai_services.views import PosterView
from backend.assets.services import media_asset_create
from backend.core.exceptions import DomainError, ValidationFailed
from backend.scheduling import services as post_services
from backend.scheduling.metrics import post_metrics_latest, post_metrics_refresh
from backend.scheduling.serializers import BulkPostInput, PostInput
from backend.scheduling.planning_serializers import SlotsBody
from backend.scheduling.slots import NoSlots, slot_next_free, slots_of, slots_set
from backend.scheduling.transitions import CANCELLABLE_STATUSES, PUBLISH_NOW_STATUSES, Status
from backend.social.checks import asset_media, post_preflight
from backend.social.models import SocialAccount
from backend.social.oauth import oauth_complete, oauth_start
from backend.social.platforms.base import UnknownPlatform
from backend.social.platforms.registry import all_services, get_service
from backend.social.serializers import SocialAccountInput
from backend.social.text import caption_length, compose, normalise_hashtags, InvalidHashtag

from . import selectors
from .models import LANGUAGES, Preference
from .web import (
    anonymous_language, back, dashboard_view, error_messages, error_text, flash_error, is_htmx, throttle_check,
)

POST_ACTIONS = {
    "cancel": post_services.post_cancel,
    "retry": post_services.post_retry,
    "approve": post_services.post_approve,
    "publish_now": post_services.post_publish_now,
    "refresh_metrics": post_metrics_refresh,
}
ACTION_DONE = {
    "cancel": gettext_noop("Post cancelled."),
    "retry": gettext_noop("Post scheduled again."),
    "approve": gettext_noop("Post approved."),
    "publish_now": gettext_noop("Post is being published now."),
    "refresh_metrics": gettext_noop("Reading the engagement figures; they appear here in a moment."),
}


# --- Sign in, sign up, sign out, language, organization ------------------------------------

def login_view(request: HttpRequest) -> HttpResponse:
    lang = anonymous_language(request)
    with translation.override(lang):
        error, status = "", 200
        if request.method == "POST":
            error = throttle_check(request, TokenView) or ""
            status = 429 if error else 400
            if not error:
                user = authenticate(request, username=request.POST.get("email", "").strip().lower(), password=request.POST.get("password", ""))
                if user is None:
                    error = _("That email and password do not match an account.")
                else:
                    login(request, user)
                    target = request.POST.get("next") or ""
                    return redirect(target if target.startswith("/app/") and "//" not in target else "dashboard:home")
        status = status if error else 200
        return render(request, "dashboard/login.html", {"error": error, "next": request.GET.get("next", ""), "lang": lang,
                                                          "languages": LANGUAGES, "email": request.POST.get("email", "")}, status=status)


def signup_view(request: HttpRequest) -> HttpResponse:
    lang = anonymous_language(request)
    with translation.override(lang):
        errors: dict[str, list[str]] = {}
        if request.method == "POST":
            message = throttle_check(request, SignupView)
            if message:
                errors = {"general": [message]}
            else:
                try:
                    user, _org = account_services.user_signup(
                        email=request.POST.get("email", ""), password=request.POST.get("password", ""),
                        name=request.POST.get("name", "")[:150], organization_name=request.POST.get("organization_name", "")[:200],
                    )
                except DomainError as exc:
                    errors = error_messages(exc)
                else:
                    Preference.objects.create(user=user, language=lang)
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                    messages.success(request, _("Welcome to Postloom! Connect an account to start."))
                    return redirect("dashboard:accounts")
        return render(request, "dashboard/signup.html", {"errors": errors, "form": request.POST, "lang": lang, "languages": LANGUAGES},
                      status=400 if errors else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("dashboard:login")


@require_POST
@dashboard_view
def language_view(request: HttpRequest) -> HttpResponse:
    lang = request.POST.get("language", "")
    if lang in dict(LANGUAGES):
        Preference.objects.update_or_create(user=request.user, defaults={"language": lang})
        with translation.override(lang):
            messages.success(request, _("Language changed."))
    return back(request)


@require_POST
@dashboard_view
def organization_switch(request: HttpRequest) -> HttpResponse:
    org = organizations_of(request.user).filter(pk=request.POST.get("organization") or 0).first()
    if org is not None:
        request.session["dashboard_org"] = org.pk
        messages.success(request, _("You are working on %(name)s.") % {"name": org.name})
    return back(request)


# --- Dashboard: stats, upcoming, posts table, actions -------------------------------------

def _table_context(request: HttpRequest, params) -> dict:
    """The posts table (and the actions the caller's role allows) for the filters in `params`."""
    filters = {key: (params.get(key) or "").strip()[:100] for key in ("q", "status", "platform", "account", "sort")}
    posts = selectors.posts_table(user=request.user, organization=request.organization, **filters)
    page = Paginator(posts, selectors.PAGE_SIZE).get_page(params.get("page") or 1)
    query = {k: v for k, v in filters.items() if v}
    return {
        "page": page,
        "filters": filters,
        "query": urlencode({**query, "page": page.number}),
        "query_nopage": urlencode(query),
        "query_nosort": urlencode({k: v for k, v in query.items() if k != "sort"}),
        **_role_context(request),
    }


def _role_context(request: HttpRequest) -> dict:
    return {
        "can_manage": request.role in MANAGER_ROLES,
        "can_write": request.role in WRITER_ROLES,
        "cancellable": CANCELLABLE_STATUSES,
        "publishable": PUBLISH_NOW_STATUSES,
    }


def _live_context(request: HttpRequest) -> dict:
    """The parts that follow the posts (partials/live.html): figures, upcoming list, week."""
    org = request.organization
    return {
        "stats": selectors.dashboard_stats(user=request.user, organization=org),
        "upcoming": selectors.upcoming_posts(user=request.user, organization=org),
        "week": selectors.week_calendar(user=request.user, organization=org),
    }


def _base_context(request: HttpRequest) -> dict:
    org = request.organization
    return {
        "org": org,
        "org_tz": (org.timezone if org else "UTC") or "UTC",
        "organizations": organizations_of(request.user).order_by("id"),
        "role": request.role,
        "languages": LANGUAGES,
        "lang": request.LANGUAGE_CODE,
        "statuses": Status.choices,
        "platforms": [(s.platform, s.name) for s in all_services()],
    }


@dashboard_view
def home(request: HttpRequest) -> HttpResponse:
    org = request.organization
    context = _base_context(request)
    if org is not None:
        context.update(_table_context(request, request.GET))
        context.update(_live_context(request))
        context["accounts"] = selectors.org_accounts(user=request.user, organization=org)
    return render(request, "dashboard/home.html", context)


@dashboard_view
def stats_partial(request: HttpRequest) -> HttpResponse:
    """The figures, with the upcoming list and the week out of band (polled every 10 s)."""
    if request.organization is None:
        return HttpResponse("")
    return render(request, "dashboard/partials/live.html", {**_base_context(request), **_live_context(request)})


@dashboard_view
def table_partial(request: HttpRequest) -> HttpResponse:
    if request.organization is None:
        return HttpResponse("")
    context = {**_base_context(request), **_table_context(request, request.GET)}
    return render(request, "dashboard/partials/table.html", context)


@require_POST
@dashboard_view
def post_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    service = POST_ACTIONS.get(action)
    if service is None or request.organization is None:
        return HttpResponse(status=404)
    post = get_object_or_404(selectors.org_posts(user=request.user, organization=request.organization), pk=pk)
    try:
        service(post=post, by=request.user)
    except (DomainError, APIException) as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _(ACTION_DONE[action]))
    if is_htmx(request) and request.POST.get("view") == "post":
        return render(request, "dashboard/partials/post_live.html", {**_post_context(request, post.pk), "oob_toasts": True})
    if is_htmx(request):
        context = {**_base_context(request), **_table_context(request, request.POST), **_live_context(request), "oob_toasts": True}
        return render(request, "dashboard/partials/table.html", context)
    return back(request)


def _post_context(request: HttpRequest, pk: int) -> dict:
    post = get_object_or_404(selectors.org_posts(user=request.user, organization=request.organization).select_related("social_account", "asset"), pk=pk)
    return {
        **_base_context(request),
        **_role_context(request),
        "post": post,
        "attempts": post.attempts.order_by("started_at", "id"),
        "metrics": post_metrics_latest(post=post),
    }


@dashboard_view
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A post with its publish attempts and latest engagement (the API's attempts and metrics): a
    page, the table's modal (?modal=1), or its live part (?part=live, polled every 10 s)."""
    if request.organization is None:
        return HttpResponse(status=404)
    context = _post_context(request, pk)
    if request.GET.get("part") == "live":
        return render(request, "dashboard/partials/post_live.html", context)
    return render(request, "dashboard/post.html", {**context, "modal": request.GET.get("modal") == "1"})


# --- Compose -------------------------------------------------------------------------------

def _hashtags(raw: str) -> list[str]:
    return [tag for tag in raw.replace(",", " ").split() if tag]


def _chosen_accounts(request: HttpRequest, form) -> list[SocialAccount]:
    ids = [int(x) for x in form.getlist("social_accounts") if str(x).isdigit()]
    accounts = {a.pk: a for a in selectors.org_accounts(user=request.user, organization=request.organization).filter(pk__in=ids)}
    return [accounts[pk] for pk in dict.fromkeys(ids) if pk in accounts]


def _variants(form, accounts: list[SocialAccount]) -> dict[str, dict]:
    """The per-platform captions typed in the form (the API's bulk `variants`), for the chosen
    accounts' platforms; a blank one is not a variant."""
    platforms = {a.platform for a in accounts}
    return {p: {"caption": form.get(f"variant_caption_{p}", "")} for p in sorted(platforms) if form.get(f"variant_caption_{p}", "").strip()}


def _compose_context(request: HttpRequest, form=None, errors=None) -> dict:
    org = request.organization
    accounts = [a for a in selectors.org_accounts(user=request.user, organization=org) if a.status == SocialAccount.Status.ACTIVE]
    services = {s.platform: s.name for s in all_services()}
    return {
        **_base_context(request),
        "accounts": accounts,
        "variant_platforms": [
            {"platform": p, "name": services.get(p, p), "caption": (form.get(f"variant_caption_{p}", "") if form else "")}
            for p in sorted({a.platform for a in accounts})
        ],
        "media": selectors.org_media(user=request.user, organization=org),
        "form": form or {},
        "queue": bool(form and form.get("when") == "queue"),
        "chosen": [int(x) for x in (form.getlist("social_accounts") if form else []) if str(x).isdigit()],
        "errors": errors or {},
        "checks": _compose_checks(request, form) if form else [],
        "slots": _next_slots(request, form) if form else [],
        "modal": (request.GET.get("modal") or (form.get("modal") if form else "")) == "1",
    }


def _compose_checks(request: HttpRequest, form) -> list[dict]:
    """Per chosen platform: the length of its caption (its variant, else the shared one) under the
    platform's own counting rule and the preflight problems (social.preflight), before saving."""
    accounts = _chosen_accounts(request, form)
    variants = _variants(form, accounts)
    try:
        hashtags = normalise_hashtags(_hashtags(form.get("hashtags", "")))
    except InvalidHashtag as exc:
        return [{"platform": "", "name": _("Hashtags"), "length": 0, "max": 0, "problems": [str(exc)]}]
    asset_id = form.get("asset_id") or ""
    asset = selectors.org_asset(user=request.user, organization=request.organization, pk=int(asset_id)) if asset_id.isdigit() else None
    media = asset_media(asset)  # image bytes, or a video's facts: what the API's preflight checks
    first_of_platform = {}
    for account in accounts:
        first_of_platform.setdefault(account.platform, account)
    rows = []
    for platform, account in sorted(first_of_platform.items()):
        service = get_service(platform)
        req = service.requirements
        caption = post_services.post_variant_fields(social_account=account, fields={"caption": form.get("caption", "")}, variants=variants)["caption"]
        result = post_preflight(platform=platform, caption=caption, hashtags=hashtags, fix=False, **media)
        rows.append({
            "platform": platform, "name": service.name, "variant": platform in variants,
            "length": caption_length(compose(caption, hashtags), req.caption_counting), "max": req.caption_max,
            "problems": [p.message for p in result.problems],
        })
    return rows


def _next_slots(request: HttpRequest, form) -> list[dict]:
    """With "next free slot" chosen: each chosen account's next free slot (the API's next_slot)."""
    if form.get("when") != "queue":
        return []
    rows = []
    for account in _chosen_accounts(request, form):
        try:
            rows.append({"account": account, "time": slot_next_free(social_account=account), "problem": ""})
        except NoSlots:
            rows.append({"account": account, "time": None, "problem": _no_slots_message(account)})
        except DomainError as exc:
            rows.append({"account": account, "time": None, "problem": error_text(exc)})
    return rows


def _no_slots_message(account: SocialAccount) -> str:
    return _("%(handle)s has no posting slots yet: set them on the Accounts page.") % {"handle": account.handle}


def _compose_fields(request: HttpRequest, form, upload_asset_id) -> dict:
    return {
        "caption": form.get("caption", ""),
        "hashtags": _hashtags(form.get("hashtags", "")),
        "asset_id": upload_asset_id or form.get("asset_id") or None,
        "timezone": request.organization.timezone or "UTC",
    }


def _schedule_at_a_time(request: HttpRequest, form, fields: dict, accounts: list[SocialAccount]) -> list:
    """The API's POST /api/schedule/bulk/: one post per account, variants, all or nothing."""
    body = BulkPostInput(data={
        **fields, "social_accounts": form.getlist("social_accounts"), "scheduled_time": form.get("scheduled_time", ""),
        "variants": _variants(form, accounts),
    }, context={"request": request})
    body.is_valid(raise_exception=True)
    try:
        _group, posts = post_services.post_bulk_create(by=request.user, **body.service_kwargs())
    except ValidationFailed as exc:
        raise _per_account(exc, accounts) from None
    return posts


def _per_account(exc: ValidationFailed, accounts: list[SocialAccount]) -> ValidationFailed:
    """The bulk service names a failing account by its index: name it by its handle instead."""
    failing = exc.errors.get("social_accounts")
    if not isinstance(failing, dict):
        return exc
    return ValidationFailed({"general": [
        f"{accounts[int(index)].handle}: {message}"
        for index, errors in failing.items() if str(index).isdigit() and int(index) < len(accounts)
        for messages_ in error_messages(ValidationFailed(errors)).values() for message in messages_
    ]})


@transaction.atomic
def _schedule_in_next_free_slots(request: HttpRequest, form, fields: dict, accounts: list[SocialAccount]) -> list:
    """The API's POST /api/schedule/ with `queue: true`, once per account (each takes its own next
    free slot, with its variant); all or nothing."""
    if not accounts:
        raise ValidationFailed({"social_accounts": [_("Choose at least one account.")]})
    variants = _variants(form, accounts)
    posts = []
    for account in accounts:
        own = post_services.post_variant_fields(social_account=account, fields=fields, variants=variants)
        body = PostInput(data={**own, "social_account": account.pk, "queue": True}, context={"request": request})
        try:
            body.is_valid(raise_exception=True)
            posts.append(post_services.post_create_queued(by=request.user, **body.service_kwargs()))
        except NoSlots:
            raise ValidationFailed({"general": [_no_slots_message(account)]}) from None
        except (DomainError, APIException) as exc:
            raise ValidationFailed({field: [f"{account.handle}: {m}" for m in msgs] for field, msgs in error_messages(exc).items()}) from None
    return posts


@dashboard_view
def compose_view(request: HttpRequest) -> HttpResponse:
    if request.organization is None:
        return redirect("dashboard:home")
    if request.method != "POST":
        return render(request, "dashboard/compose.html", _compose_context(request))
    form = request.POST
    errors: dict[str, list[str]] = {}
    upload = request.FILES.get("upload")
    accounts = _chosen_accounts(request, form)
    try:
        asset_id = None
        if upload is not None:
            if upload.size > settings.MEDIA_MAX_UPLOAD_BYTES:
                raise DRFValidationError({"upload": [_("This file is too large.")]})
            asset_id = media_asset_create(organization=request.organization, data=upload.read(), uploaded_by=request.user,
                                          original_name=upload.name or "").pk
        fields = _compose_fields(request, form, asset_id)
        schedule = _schedule_in_next_free_slots if form.get("when") == "queue" else _schedule_at_a_time
        posts = schedule(request, form, fields, accounts)
    except (DomainError, APIException) as exc:
        errors = error_messages(exc)
    else:
        messages.success(request, _("%(n)d post(s) scheduled.") % {"n": len(posts)})
        if is_htmx(request):
            return HttpResponse(status=204, headers={"HX-Redirect": reverse("dashboard:home")})
        return redirect("dashboard:home")
    return render(request, "dashboard/compose.html", _compose_context(request, form, errors), status=400)


@require_POST
@dashboard_view
def compose_check(request: HttpRequest) -> HttpResponse:
    if request.organization is None:
        return HttpResponse("")
    return render(request, "dashboard/partials/checks.html", {"checks": _compose_checks(request, request.POST),
                                                             "slots": _next_slots(request, request.POST)})


# --- Accounts ------------------------------------------------------------------------------

def _account_slots(account: SocialAccount, form=None, errors=None) -> dict:
    """An account's weekly posting slots by weekday (the API's GET .../slots/), its next free slot,
    and the slot form's values and errors when it was just sent back."""
    schedule = slots_of(social_account=account)
    times = {day: [] for day in range(7)}
    for slot in schedule.slots:
        times[int(slot["weekday"])].append(slot["time"])
    try:
        next_free = slot_next_free(social_account=account) if schedule.slots else None
    except DomainError:
        next_free = None
    return {
        "timezone": form.get("timezone", "") if form else schedule.timezone,
        "days": [{"weekday": day, "name": WEEKDAYS[day], "times": form.get(f"times_{day}", "") if form else " ".join(times[day]),
                  "errors": (errors or {}).get(f"times_{day}", [])} for day in range(7)],
        "count": len(schedule.slots),
        "next_free": next_free,
        "errors": errors or {},
    }


def _accounts_context(request: HttpRequest, errors=None, form=None, slots_form=None) -> dict:
    """`slots_form`: (account id, form, errors) of a slot form sent back with its errors."""
    services = list(all_services())
    accounts = list(selectors.org_accounts(user=request.user, organization=request.organization)) if request.organization else []
    for account in accounts:
        sent = slots_form if slots_form and slots_form[0] == account.pk else None
        account.slot_view = _account_slots(account, *(sent[1:] if sent else ()))
    return {
        **_base_context(request),
        "accounts": accounts,
        "timezones": sorted(zoneinfo.available_timezones()),
        "manual_platforms": [(s.platform, s.name) for s in services if not s.oauth_supported],
        "oauth_platforms": [(s.platform, s.name) for s in services if s.oauth_supported],
        "errors": errors or {},
        "form": form or {},
        "can_manage": request.role in MANAGER_ROLES,
    }


@dashboard_view
def accounts_view(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/accounts.html", _accounts_context(request))


@require_POST
@dashboard_view
def account_connect(request: HttpRequest) -> HttpResponse:
    form = request.POST
    metadata = {}
    if form.get("phone_number_id"):
        metadata["phone_number_id"] = form["phone_number_id"]
    if form.get("recipients"):
        metadata["recipients"] = [r for r in form["recipients"].replace(",", " ").split() if r]
    body = SocialAccountInput(data={
        "organization": request.organization.pk if request.organization else None,
        "platform": form.get("platform", ""), "handle": form.get("handle", ""),
        "access_token": form.get("access_token", ""), "external_id": form.get("external_id", ""), "metadata": metadata,
    }, context={"request": request})
    try:
        body.is_valid(raise_exception=True)
        account = post_services.social_services.social_account_connect(by=request.user, **body.validated_data)
    except (DomainError, APIException) as exc:
        return render(request, "dashboard/accounts.html", _accounts_context(request, error_messages(exc), form), status=400)
    messages.success(request, _("Connected %(handle)s.") % {"handle": account.handle})
    return redirect("dashboard:accounts")


@require_POST
@dashboard_view
def account_disconnect(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(selectors.org_accounts(user=request.user, organization=request.organization), pk=pk)
    try:
        post_services.social_account_disconnect(account=account, by=request.user)
    except DomainError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("Disconnected %(handle)s; its unpublished posts were cancelled.") % {"handle": account.handle})
    return redirect("dashboard:accounts")


def _slot_form_errors(slots: list[dict], errors: dict) -> dict[str, list[str]]:
    """SlotsBody's errors by form field: a bad time under its weekday, the rest as they come."""
    out: dict[str, list[str]] = {}
    slot_errors = errors.get("slots") or {}
    by_index = dict(enumerate(slot_errors)) if isinstance(slot_errors, list) else slot_errors  # DRF gives either shape
    for index, problem in by_index.items():
        if isinstance(index, int) and isinstance(problem, dict):
            slot = slots[index]
            for message in problem.get("time", []):
                out.setdefault(f"times_{slot['weekday']}", []).append(f"{slot['time']}: {message}")
        elif problem:
            out.setdefault("general", []).extend(error_messages(DRFValidationError({index: problem})).get("general", []))
    if errors.get("timezone"):
        out["timezone"] = [str(message) for message in errors["timezone"]]
    return out


@require_POST
@dashboard_view
def account_slots(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace an account's weekly posting slots: the API's PUT /api/social/accounts/{id}/slots/."""
    account = get_object_or_404(selectors.org_accounts(user=request.user, organization=request.organization), pk=pk)
    form = request.POST
    slots = [{"weekday": day, "time": at} for day in range(7) for at in form.get(f"times_{day}", "").replace(",", " ").split()]
    body = SlotsBody(data={"timezone": form.get("timezone", "").strip(), "slots": slots})
    try:
        body.is_valid(raise_exception=True)
        slots_set(by=request.user, social_account=account, timezone_name=body.validated_data["timezone"], slots=body.validated_data["slots"])
    except DRFValidationError:
        errors = _slot_form_errors(slots, body.errors)
        return render(request, "dashboard/accounts.html", _accounts_context(request, slots_form=(account.pk, form, errors)), status=400)
    except DomainError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("Posting slots saved for %(handle)s.") % {"handle": account.handle})
    return redirect(f"{reverse('dashboard:accounts')}#account-{account.pk}")


def _oauth_redirect_uri(platform: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('dashboard:oauth-callback', args=[platform])}"


@require_POST
@dashboard_view
def oauth_start_view(request: HttpRequest, platform: str) -> HttpResponse:
    try:
        service = get_service(platform)
        url, _state = oauth_start(by=request.user, organization=request.organization, service=service,
                                  redirect_uri=_oauth_redirect_uri(platform))
    except UnknownPlatform:
        return HttpResponse(status=404)
    except (DomainError, APIException) as exc:
        flash_error(request, exc)
        return redirect("dashboard:accounts")
    return redirect(url)


@dashboard_view
def oauth_callback_view(request: HttpRequest, platform: str) -> HttpResponse:
    try:
        service = get_service(platform)
    except UnknownPlatform:
        return HttpResponse(status=404)
    code, state = request.GET.get("code", ""), request.GET.get("state", "")
    if not code or not state:
        messages.error(request, request.GET.get("error_description") or _("The platform did not return a code."))
        return redirect("dashboard:accounts")
    try:
        account = oauth_complete(by=request.user, service=service, code=code, state=state)
    except (DomainError, APIException) as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("Connected %(handle)s.") % {"handle": account.handle})
    return redirect("dashboard:accounts")


# --- Members and invites ------------------------------------------------------------------

@dashboard_view
def members_view(request: HttpRequest) -> HttpResponse:
    org = request.organization
    if org is None:
        return redirect("dashboard:home")
    context = {
        **_base_context(request),
        "members": Membership.objects.filter(organization=org).select_related("user").order_by("id"),
        "roles": Role.choices,
        "can_manage": request.role in MANAGER_ROLES,
        "invite": None,
        "invites": [],
        "errors": {},
    }
    status = 200
    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "invite":
                body = InviteInput(data={"email": request.POST.get("email", ""), "role": request.POST.get("role", "")})
                body.is_valid(raise_exception=True)
                invite = account_services.invite_create(organization=org, by=request.user, **body.validated_data)
                context["invite"] = request.build_absolute_uri(reverse("dashboard:invite", args=[invite.token]))
                messages.success(request, _("Invite created: send the link to %(email)s.") % {"email": invite.email})
            elif action == "role":
                body = MemberRoleInput(data={"role": request.POST.get("role", "")})
                body.is_valid(raise_exception=True)
                account_services.membership_update(organization=org, by=request.user, user_id=int(request.POST.get("user_id", "0") or 0), **body.validated_data)
                messages.success(request, _("Role changed."))
                return redirect("dashboard:members")
            elif action == "remove":
                account_services.membership_remove(organization=org, by=request.user, user_id=int(request.POST.get("user_id", "0") or 0))
                messages.success(request, _("Member removed."))
                return redirect("dashboard:members")
            elif action == "revoke":
                account_services.invite_revoke(organization=org, by=request.user, invite_id=int(request.POST.get("invite_id", "0") or 0))
                messages.success(request, _("Invite revoked."))
                return redirect("dashboard:members")
        except (DomainError, APIException, ValueError) as exc:
            if isinstance(exc, ValueError):
                return HttpResponse(status=400)
            context["errors"] = error_messages(exc)
            status = getattr(exc, "status_code", 400)
    if context["can_manage"]:
        context["invites"] = account_services.invite_list(organization=org, by=request.user).filter(accepted_at__isnull=True)
    return render(request, "dashboard/members.html", context, status=status)


@dashboard_view
def invite_view(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        try:
            membership = account_services.invite_accept(token=token, user=request.user)
        except DomainError as exc:
            flash_error(request, exc)
        else:
            request.session["dashboard_org"] = membership.organization_id
            messages.success(request, _("You joined %(name)s.") % {"name": membership.organization.name})
        return redirect("dashboard:home")
    return render(request, "dashboard/invite.html", {**_base_context(request), "token": token,
                                                     "invite": selectors.invite_for_token(token=token)})


# --- Studio --------------------------------------------------------------------------------

STUDIO_FIELDS = ("title", "offer_text", "discount_percent", "price", "original_price", "currency", "shop_name", "festival", "language", "size")


@dashboard_view
def studio_view(request: HttpRequest) -> HttpResponse:
    context = {**_base_context(request), "form": {}, "errors": {}, "result": None,
               "accounts": [a for a in selectors.org_accounts(user=request.user, organization=request.organization)
                            if a.status == SocialAccount.Status.ACTIVE] if request.organization else []}
    if request.method != "POST":
        return _studio_page(request, context)
    form = request.POST
    context["form"] = form
    status = 200
    data = {name: form.get(name) for name in STUDIO_FIELDS if form.get(name)}
    data["organization"] = request.organization.pk
    if request.FILES.get("product_image"):
        data["product_image"] = request.FILES["product_image"]
    message = throttle_check(request, PosterView)
    try:
        if message:
            context["errors"] = {"general": [message]}
            status = 429
        else:
            body = PosterInput(data=data, context={"request": request})
            body.is_valid(raise_exception=True)
            outcome = poster_request(organization=request.organization, user=request.user, **body.service_kwargs())
            if isinstance(outcome, GenerationJob):
                messages.info(request, _("The poster is being drawn; it will appear in the media library."))
                return redirect("dashboard:home")
            context["result"] = outcome.as_dict()
            messages.success(request, _("Your poster is ready: pick a caption and schedule it."))
    except Exception as exc:  # noqa: BLE001 - the AI pipeline's errors map like the API's
        mapped = domain_error(exc) or exc
        if not isinstance(mapped, (DomainError, APIException)):
            raise
        context["errors"] = error_messages(mapped)
        status = getattr(mapped, "status_code", 400)
    return _studio_page(request, context, status=status)


def _studio_page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    """The studio with the usage left after whatever this request used."""
    org = request.organization
    context["ai_left"] = selectors.dashboard_stats(user=request.user, organization=org)["ai_left"] if org else []
    return render(request, "dashboard/studio.html", context, status=status)
