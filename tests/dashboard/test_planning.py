"""The dashboard's planning parts (issue 15 through issue 17): posting slots on the accounts page,
compose with "next free slot" (the API's `queue: true`) and per-platform caption variants (the API's
bulk `variants`). Same services and input serializers as the API; asserted through the database."""
from __future__ import annotations

import zoneinfo
from datetime import timedelta

import pytest
from django.test import Client as DjangoClient
from django.utils import timezone

from backend.accounts.models import Role
from backend.scheduling.models import PostingSchedule, ScheduledPost
from backend.scheduling.slots import slot_next_free
from backend.social.models import SocialAccount

from .test_views import csrf_post, logged_in

EVERY_DAY = {f"times_{day}": "09:00 18:30" for day in range(7)}


@pytest.fixture
def web():
    return DjangoClient(enforce_csrf_checks=True)


@pytest.fixture
def whatsapp(org, owner) -> SocialAccount:
    return SocialAccount.objects.create(organization=org, platform="whatsapp", handle="+91 98400 00000", connected_by=owner,
                                        access_token="t", metadata={"phone_number_id": "1", "recipients": ["+919840000001"]})


def local(moment, tz: str):
    return moment.astimezone(zoneinfo.ZoneInfo(tz))


def test_owner_sets_an_accounts_slots_and_sees_the_next_free_one(web, owner, org, sandbox):
    logged_in(web, owner)
    assert "none yet" in web.get("/app/accounts/").content.decode()
    response = csrf_post(web, f"/app/accounts/{sandbox.pk}/slots/", {"timezone": "Asia/Kolkata", **EVERY_DAY, "times_4": "11:00, 09:00"})
    assert response.status_code == 302
    schedule = PostingSchedule.objects.get(social_account=sandbox)
    assert schedule.timezone == "Asia/Kolkata" and len(schedule.slots) == 14
    assert {"weekday": 4, "time": "11:00"} in schedule.slots and {"weekday": 4, "time": "18:30"} not in schedule.slots
    page = web.get("/app/accounts/").content.decode()
    assert f"Posting slots saved for {sandbox.handle}." in page
    nxt = local(slot_next_free(social_account=sandbox), org.timezone)
    assert f'datetime="{nxt.isoformat()}"' in page  # the API's next free slot, in the org's timezone


def test_bad_slot_times_and_timezones_are_shown_by_their_weekday_and_nothing_is_saved(web, owner, sandbox):
    logged_in(web, owner)
    response = csrf_post(web, f"/app/accounts/{sandbox.pk}/slots/", {"timezone": "Mars/Olympus", "times_0": "09:00 9am", "times_2": "25:00"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "9am: Use HH:MM (24-hour), e.g. 09:00." in body and "25:00: Use HH:MM" in body and "is not an IANA time zone" in body
    assert 'value="09:00 9am"' in body  # the form comes back as typed
    assert not PostingSchedule.objects.filter(social_account=sandbox).exists()


def test_editors_see_slots_but_cannot_change_them(web, member, org, sandbox):
    editor = member(org, Role.EDITOR)
    logged_in(web, editor)
    assert "data-slot-form" not in web.get("/app/accounts/").content.decode()
    csrf_post(web, f"/app/accounts/{sandbox.pk}/slots/", {"timezone": "UTC", **EVERY_DAY})
    assert not PostingSchedule.objects.filter(social_account=sandbox).exists()
    assert "manage posting slots" in web.get("/app/").content.decode()  # the service's 403, as a toast


def test_compose_in_the_next_free_slot_takes_each_accounts_own_slot(web, owner, org, sandbox):
    second = SocialAccount.objects.create(organization=org, platform="sandbox", handle="@second", connected_by=owner)
    logged_in(web, owner)
    for account in (sandbox, second):
        csrf_post(web, f"/app/accounts/{account.pk}/slots/", {"timezone": "Asia/Kolkata", **EVERY_DAY})
    check = csrf_post(web, "/app/compose/check/", {"social_accounts": [sandbox.pk], "caption": "x", "when": "queue"}).content.decode()
    expected = local(slot_next_free(social_account=sandbox), org.timezone)
    assert f'data-next-slot="{sandbox.pk}"' in check and expected.strftime("%H:%M") in check

    def queue(*accounts):
        return csrf_post(web, "/app/compose/", {"social_accounts": [a.pk for a in accounts], "caption": "Queued", "when": "queue",
                                                "scheduled_time": ""})

    assert queue(sandbox, second).status_code == 302
    assert queue(sandbox).status_code == 302
    first, other, later = ScheduledPost.objects.order_by("id")
    assert first.scheduled_time == expected and other.scheduled_time == expected  # each account has its own slots
    assert later.social_account == sandbox and later.scheduled_time > first.scheduled_time  # the next free one
    assert local(later.scheduled_time, org.timezone).strftime("%H:%M") in ("09:00", "18:30")


def test_queue_without_slots_says_where_to_set_them_and_creates_nothing(web, owner, org, sandbox):
    second = SocialAccount.objects.create(organization=org, platform="sandbox", handle="@second", connected_by=owner)
    logged_in(web, owner)
    csrf_post(web, f"/app/accounts/{sandbox.pk}/slots/", {"timezone": "UTC", **EVERY_DAY})
    response = csrf_post(web, "/app/compose/", {"social_accounts": [sandbox.pk, second.pk], "caption": "Queued", "when": "queue"})
    assert response.status_code == 400
    assert "@second has no posting slots yet: set them on the Accounts page." in response.content.decode()
    assert not ScheduledPost.objects.exists()  # all or nothing: the first account's post is rolled back


def test_per_platform_captions_go_to_their_platform_and_a_failing_one_creates_nothing(web, owner, org, sandbox, whatsapp):
    logged_in(web, owner)
    when = local(timezone.now() + timedelta(days=1), org.timezone).replace(microsecond=0, tzinfo=None).isoformat()
    form = {"social_accounts": [sandbox.pk, whatsapp.pk], "caption": "Silk sarees, new stock", "scheduled_time": when}

    check = csrf_post(web, "/app/compose/check/", {**form, "variant_caption_whatsapp": "w" * 1100}).content.decode()
    whatsapp_row = check.split('data-check="whatsapp"', 1)[1].split("</li>", 1)[0]
    assert "<span data-count>1100</span> / 1024" in whatsapp_row and "border-red-300" in check
    assert "<span data-count>22</span> / 5000" in check.split('data-check="sandbox"', 1)[1]  # the shared caption there

    too_long = csrf_post(web, "/app/compose/", {**form, "variant_caption_whatsapp": "w" * 1100})
    assert too_long.status_code == 400
    alert = too_long.content.decode().split('role="alert"', 1)[1].split("</p>", 1)[0]
    assert f"{whatsapp.handle}: WhatsApp accepts captions of at most 1,024 characters" in alert  # by account, not index
    assert not ScheduledPost.objects.exists()  # all or nothing, as the API's bulk

    ok = csrf_post(web, "/app/compose/", {**form, "variant_caption_whatsapp": "Sarees in stock: reply to order"})
    assert ok.status_code == 302
    captions = dict(ScheduledPost.objects.values_list("platform", "caption"))
    assert captions == {"sandbox": "Silk sarees, new stock", "whatsapp": "Sarees in stock: reply to order"}
    assert ScheduledPost.objects.values("group_id").distinct().count() == 1


def test_variants_apply_to_queued_posts_too(web, owner, org, sandbox, whatsapp):
    logged_in(web, owner)
    for account in (sandbox, whatsapp):
        csrf_post(web, f"/app/accounts/{account.pk}/slots/", {"timezone": "UTC", **EVERY_DAY})
    response = csrf_post(web, "/app/compose/", {"social_accounts": [sandbox.pk, whatsapp.pk], "caption": "Shared", "when": "queue",
                                                "variant_caption_whatsapp": "For WhatsApp"})
    assert response.status_code == 302
    assert dict(ScheduledPost.objects.values_list("platform", "caption")) == {"sandbox": "Shared", "whatsapp": "For WhatsApp"}


def test_post_details_show_the_first_comment_and_its_outcome(web, owner, make_post):
    post = make_post(ScheduledPost.Status.POSTED, external_post_id="sbx-1", first_comment="Sizes S to XXL in stock",
                     first_comment_status="failed", first_comment_error="The sandbox refused the comment.")
    logged_in(web, owner)
    page = web.get(f"/app/posts/{post.pk}/").content.decode()
    assert 'data-first-comment="failed"' in page and "Sizes S to XXL in stock" in page and "The sandbox refused the comment." in page
