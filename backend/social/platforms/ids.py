"""What an id that ends up in a request URL may look like, per platform.

Ids come from people (a manually connected account's `external_id`, `metadata.author_urn`,
`phone_number_id`) and from platform answers (container ids, image URNs). Before one is put into
a URL it must match its platform's documented format; anything else is refused (PERMANENT, code
`invalid_id`) rather than sent. With the HTTP base's host allow-list, this is what keeps an id such
as `http://127.0.0.1:6379/...` or `../../me/accounts` from steering a worker's request.
"""
from __future__ import annotations

import re

from .base import ErrorKind, PublishError

# Graph API object ids (Pages, Instagram users, media, containers, photos, WhatsApp phone numbers).
GRAPH_ID = re.compile(r"^[0-9]{1,32}$")
# A Graph post id is "{page-id}_{post-id}"; other objects are plain digits.
GRAPH_OBJECT_ID = re.compile(r"^[0-9]{1,32}(?:_[0-9]{1,32})?$")
# LinkedIn: member ids are opaque letters/digits/-/_ (the OpenID `sub`), organization ids digits.
LINKEDIN_MEMBER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
LINKEDIN_ORGANIZATION_ID = re.compile(r"^[0-9]{1,20}$")
LINKEDIN_AUTHOR_URN = re.compile(r"^urn:li:(?:person:[A-Za-z0-9_-]{1,64}|organization:[0-9]{1,20})$")
LINKEDIN_IMAGE_URN = re.compile(r"^urn:li:image:[A-Za-z0-9_-]{1,128}$")
LINKEDIN_VIDEO_URN = re.compile(r"^urn:li:video:[A-Za-z0-9_-]{1,128}$")
LINKEDIN_POST_URN = re.compile(r"^urn:li:(?:share|ugcPost):[0-9]{1,32}$")
# X: snowflake ids.
X_ID = re.compile(r"^[0-9]{1,20}$")


def require_id(platform: str, what: str, value: object, pattern: re.Pattern[str]) -> str:
    """`value` as a string if it matches `pattern`; otherwise a PERMANENT `invalid_id` error."""
    text = str(value if value is not None else "")
    if not pattern.fullmatch(text):
        shown = text[:60] + ("..." if len(text) > 60 else "")
        raise PublishError(
            ErrorKind.PERMANENT,
            f"{platform}: {shown!r} is not a valid {what}; refusing to use it in a request.",
            code="invalid_id",
        )
    return text


def external_id_problems(external_id: str, pattern: re.Pattern[str], what: str, *, required: bool) -> dict[str, list[str]]:
    """`{"external_id": [message]}` when a manually entered account id does not have its format."""
    if not external_id:
        return {"external_id": [f"Required: {what}."]} if required else {}
    if not pattern.fullmatch(external_id):
        return {"external_id": [f"Not {what}."]}
    return {}


def is_valid(value: object, pattern: re.Pattern[str]) -> bool:
    return bool(pattern.fullmatch(str(value if value is not None else "")))
