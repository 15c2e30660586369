import pytest
pytestmark = pytest.mark.django_db

"""No input, however malformed, produces a 5xx (run on PostgreSQL too, where NUL and range errors bite)."""

CASES = [
    ("get", "/api/schedule/99999999999999999999999/", None),
    ("get", "/api/schedule/?social_account=99999999999999999999999", None),
    ("get", "/api/schedule/?search=a%00b", None),
    ("get", "/api/schedule/?organization=-1", None),
    ("get", "/api/media/?organization=abc", None),
    ("get", "/api/schedule/?page=0", None),
    ("get", "/api/schedule/?ordering=nonexistent", None),
    ("post", "/api/schedule/", {"social_account": 99999999999999999999999, "caption": "x", "scheduled_time": "2099-01-01T00:00:00Z"}),
    ("post", "/api/schedule/", {"social_account": 1, "caption": "x\u0000y", "scheduled_time": "2099-01-01T00:00:00Z"}),
    ("post", "/api/schedule/", {"social_account": 1, "caption": "x", "metadata": {"a": "\u0000"}, "scheduled_time": "2099-01-01T00:00:00Z"}),
    ("post", "/api/schedule/", {"social_account": 1, "caption": "x", "scheduled_time": "9999-12-31T23:59:59+14:00"}),
    ("post", "/api/schedule/", {"social_account": 1, "caption": "x", "scheduled_time": "0001-01-01T00:00:00", "timezone": "Asia/Kolkata"}),
    ("post", "/api/schedule/", [1, 2]),
    ("post", "/api/organizations/", {"name": "x" * 1000}),
    ("post", "/api/organizations/", {"name": "a\u0000"}),
    ("post", "/api/social/accounts/", {"organization": 1, "platform": "sandbox", "handle": "h", "metadata": {"k": "\u0000"}}),
    ("patch", "/api/organizations/99999999999999999999999/members/99999999999999999999999/", {"role": "admin"}),
    ("get", "/api/schedule/analytics/?date_from=99999-01-01", None),
    ("get", "/api/schedule/analytics/?date_from=0001-01-01&date_to=0001-01-02", None),
    ("get", "/api/schedule/analytics/?date_from=9999-12-30&date_to=9999-12-31", None),
    ("post", "/api/invites/%00/accept/", None),
    ("post", "/api/auth/token/", {"email": "a\u0000@x.com", "password": "x"}),
    ("post", "/api/auth/signup/", {"email": "a@x.com", "password": "x\u0000yyyyyyyyyyyy"}),
    ("post", "/api/auth/token/refresh/", {"refresh": "x\u0000"}),
]

@pytest.mark.parametrize("method, path, body", CASES)
def test_no_5xx(owner_client, sandbox, method, path, body):
    response = getattr(owner_client, method)(path, body, format="json") if body is not None else getattr(owner_client, method)(path)
    assert response.status_code < 500, (response.status_code, getattr(response, "data", None))
