"""The posts list at scale: keyset cursor beside page numbers, a capped count, organization-id
scoping without a membership join, no DISTINCT, and a constant number of queries per request."""
from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.scheduling.models import ScheduledPost

pytestmark = pytest.mark.django_db
Status = ScheduledPost.Status


@pytest.fixture
def many_posts(sandbox, owner):
    """25 posts; several share a scheduled_time, so the order needs the id to be total."""
    base = timezone.now() + timedelta(days=1)
    posts = [
        ScheduledPost(
            organization_id=sandbox.organization_id, social_account=sandbox, platform="sandbox",
            caption=f"{'Silk' if n % 3 == 0 else 'Cotton'} saree #{n}", scheduled_time=base + timedelta(hours=n // 3),
            next_attempt_at=base, status=Status.SCHEDULED if n % 2 else Status.DRAFT, created_by=owner,
        )
        for n in range(25)
    ]
    return ScheduledPost.objects.bulk_create(posts)


def walk(client, url, params, *, link="next", start=None):
    """Follow `link` from the first cursor page; the ids of every page, in order."""
    pages = []
    response = client.get(url, {**params, "cursor": ""} if start is None else None) if start is None else client.get(start)
    while True:
        assert response.status_code == 200, response.data
        assert "count" not in response.data
        pages.append([row["id"] for row in response.data["results"]])
        if not response.data[link]:
            return pages, response
        response = client.get(response.data[link])


def expected_ids(**filters):
    return list(ScheduledPost.objects.filter(**filters).order_by("scheduled_time", "id").values_list("id", flat=True))


def test_cursor_pages_cover_the_list_once_in_order(owner_client, many_posts):
    pages, last = walk(owner_client, "/api/schedule/", {"page_size": 7})

    assert [len(page) for page in pages] == [7, 7, 7, 4]
    assert sum(pages, []) == expected_ids()
    # and back again through `previous`
    back, _ = walk(owner_client, None, None, link="previous", start=last.data["previous"])
    assert sum(reversed(back), []) == sum(pages[:-1], [])


def test_cursor_follows_ordering_and_filters(owner_client, many_posts):
    pages, _ = walk(owner_client, "/api/schedule/", {"page_size": 4, "ordering": "-scheduled_time", "status": "scheduled"})

    assert sum(pages, []) == list(reversed(expected_ids(status=Status.SCHEDULED)))
    by_status, _ = walk(owner_client, "/api/schedule/", {"page_size": 5, "ordering": "status"})
    assert sum(by_status, []) == list(
        ScheduledPost.objects.order_by("status", "scheduled_time", "id").values_list("id", flat=True)
    )
    searched, _ = walk(owner_client, "/api/schedule/", {"page_size": 3, "search": "silk"})
    assert sum(searched, []) == expected_ids(caption__icontains="silk")


def test_rows_added_meanwhile_do_not_shift_a_cursor_page(owner_client, many_posts, sandbox, owner):
    first = owner_client.get("/api/schedule/", {"page_size": 10, "cursor": ""})
    earliest = many_posts[0].scheduled_time - timedelta(hours=1)
    ScheduledPost.objects.create(
        organization_id=sandbox.organization_id, social_account=sandbox, platform="sandbox", caption="new",
        scheduled_time=earliest, next_attempt_at=earliest, created_by=owner,
    )

    second = owner_client.get(first.data["next"])

    assert [row["id"] for row in second.data["results"]] == expected_ids()[11:21]


def _cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64-%%%",
        _cursor(["a list"]),
        _cursor({"o": ["scheduled_time", "id"], "v": ["yesterday", 1]}),
        _cursor({"o": ["scheduled_time", "id"], "v": ["2026-11-21T10:00:00", 1]}),  # no offset
        _cursor({"o": ["scheduled_time", "id"], "v": ["2026-11-21T10:00:00+00:00", 10**30]}),
        _cursor({"o": ["scheduled_time", "id"], "v": ["2026-11-21T10:00:00+00:00"]}),
        _cursor({"o": ["scheduled_time", "id"], "v": [None, 1]}),
        _cursor({"o": ["scheduled_time", "id"], "v": [{"$gt": ""}, 1]}),
        "A" * 5000,
    ],
)
def test_a_bad_cursor_is_a_400(owner_client, many_posts, cursor):
    response = owner_client.get("/api/schedule/", {"cursor": cursor})

    assert response.status_code == 400
    assert "cursor" in response.data


def test_a_cursor_from_another_ordering_is_a_400(owner_client, many_posts):
    first = owner_client.get("/api/schedule/", {"page_size": 5, "cursor": ""})
    cursor = first.data["next"].split("cursor=")[1].split("&")[0]

    response = owner_client.get("/api/schedule/", {"page_size": 5, "cursor": cursor, "ordering": "-created_at"})

    assert response.status_code == 400
    assert "ordering" in str(response.data["cursor"])


def test_page_numbers_keep_working_with_a_capped_count(owner_client, many_posts, settings):
    settings.PAGE_COUNT_CAP = 10

    first = owner_client.get("/api/schedule/", {"page_size": 4})
    assert first.data["count"] == 10 and first.data["count_capped"] is True
    deep = owner_client.get("/api/schedule/", {"page_size": 4, "page": 5})  # beyond the cap: still served
    assert [row["id"] for row in deep.data["results"]] == expected_ids()[16:20]
    assert deep.data["next"] and deep.data["count_capped"] is True
    last = owner_client.get("/api/schedule/", {"page_size": 4, "page": 7})
    assert [row["id"] for row in last.data["results"]] == expected_ids()[24:]
    assert last.data["next"] is None and last.data["count"] == 25 and last.data["count_capped"] is False
    assert owner_client.get("/api/schedule/", {"page_size": 4, "page": 8}).status_code == 404

    settings.PAGE_COUNT_CAP = 1000
    exact = owner_client.get("/api/schedule/", {"page_size": 4})
    assert exact.data["count"] == 25 and exact.data["count_capped"] is False


@pytest.mark.parametrize("params, filters", [({}, {}), ({"status": "scheduled", "ordering": "-scheduled_time"}, {"status": Status.SCHEDULED})])
def test_deep_pages_found_by_their_ids_first_are_the_same_rows(owner_client, many_posts, monkeypatch, params, filters):
    from backend.core import pagination

    def pages(*, deferred_from: int) -> list[list[int]]:
        monkeypatch.setattr(pagination, "DEFERRED_PAGE_OFFSET", deferred_from)
        found = []
        for number in range(1, 9):
            with CaptureQueriesContext(connection) as queries:
                response = owner_client.get("/api/schedule/", {**params, "page_size": 4, "page": number})
            if response.status_code == 404:
                return found
            found.append([row["id"] for row in response.data["results"]])
            deferred = any(" IN (SELECT " in q["sql"] and "OFFSET" in q["sql"] for q in queries.captured_queries)
            assert deferred == (number > 1 and deferred_from == 4)  # the page's ids first: WHERE id IN (SELECT id ... OFFSET)
        return found

    offset = pages(deferred_from=10**9)
    assert pages(deferred_from=4) == offset  # from the second page of 4 on
    assert sorted(pk for page in offset for pk in page) == sorted(ScheduledPost.objects.filter(**filters).values_list("id", flat=True))


def _list_queries(client, params) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/schedule/", params).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_scoped_by_organization_ids_without_distinct_or_membership_join(owner_client, many_posts, sandbox):
    sql = [q for q in _list_queries(owner_client, {"status": ["scheduled", "draft"], "search": "silk"}) if "scheduling_scheduledpost" in q]

    assert sql, "the list queried no posts"
    for statement in sql:
        assert "DISTINCT" not in statement.upper()
        assert "accounts_membership" not in statement
        assert f'"organization_id" IN ({sandbox.organization_id})' in statement


@pytest.mark.parametrize("params", [{"page_size": 5}, {"page_size": 5, "cursor": ""}, {"page_size": 5, "status": "scheduled", "search": "saree"}])
def test_queries_per_request_do_not_grow_with_the_data(owner_client, many_posts, sandbox, owner, params):
    before = len(_list_queries(owner_client, params))
    ScheduledPost.objects.bulk_create(
        ScheduledPost(
            organization_id=sandbox.organization_id, social_account=sandbox, platform="sandbox", caption="Silk saree more",
            scheduled_time=timezone.now() + timedelta(days=3), next_attempt_at=timezone.now(), created_by=owner,
        )
        for _ in range(40)
    )

    assert len(_list_queries(owner_client, params)) == before


def test_the_schema_documents_both_forms(owner_client, many_posts):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/schedule/"]["get"]
    assert {"cursor", "page", "page_size"} <= {p["name"] for p in operation["parameters"]}
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    page = schema["components"]["schemas"][ref]
    # every key a real response carries is documented, and every required one is there
    by_page = owner_client.get("/api/schedule/", {"page_size": 5}).data
    by_cursor = owner_client.get("/api/schedule/", {"page_size": 5, "cursor": ""}).data
    for body in (by_page, by_cursor):
        assert set(body) <= set(page["properties"])
        assert set(page["required"]) <= set(body)
    assert set(by_page) == {"count", "count_capped", "next", "previous", "results"}
