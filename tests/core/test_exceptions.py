"""Domain errors become the contract's status codes and bodies in the one exception handler."""
import pytest

from backend.core.exceptions import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
    exception_handler,
)


@pytest.mark.parametrize(
    "error, status, body",
    [
        (ValidationFailed({"caption": ["Too long."]}), 400, {"caption": ["Too long."]}),
        (ValidationFailed({"social_accounts": {"0": {"caption": [("Too long.", "caption_too_long")]}}}), 400,
         {"social_accounts": {"0": {"caption": ["Too long."]}}}),
        (PermissionDenied("Your role in this organization does not allow you to approve posts."), 403,
         {"detail": "Your role in this organization does not allow you to approve posts.", "code": "permission_denied"}),
        (NotFound("No such invite."), 404, {"detail": "No such invite.", "code": "not_found"}),
        (Conflict(detail="This invite has expired; ask for a new one.", code="invite_expired"), 409,
         {"detail": "This invite has expired; ask for a new one.", "code": "invite_expired"}),
        (InvalidTransition(current="posted", to="cancelled", detail="A posted post cannot become cancelled."), 409,
         {"detail": "A posted post cannot become cancelled.", "code": "invalid_transition"}),
        (RateLimited("Monthly limit reached.", code="usage_limit", extra={"limit": 50}, headers={"Retry-After": "60"}), 429,
         {"detail": "Monthly limit reached.", "code": "usage_limit", "limit": 50}),
    ],
)
def test_each_domain_error_maps_to_its_status_and_body(error, status, body):
    response = exception_handler(error, {})
    assert response.status_code == status
    assert response.data == body
    if isinstance(error, RateLimited):
        assert response["Retry-After"] == "60"


def test_a_bulk_error_keeps_the_codes_of_its_messages():
    response = exception_handler(ValidationFailed({"caption": [("Too long.", "caption_too_long")]}), {})
    assert response.data["caption"][0].code == "caption_too_long"
