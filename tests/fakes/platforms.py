"""How the real platforms refuse requests, as rules for `FakePlatform` (see platform_server.py).

Scripted replies say what a platform answers to a valid request; these rules answer what it
answers to an invalid one, exactly as documented today (2026-11-21). Each cites its source. A test
that passes against them passes against what the platform would say, not against what the adapter
assumed.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import unquote

from .platform_server import FakePlatform, Recorded, Reply

# --- Meta Graph API (Facebook Pages, Instagram, WhatsApp Cloud API) -----------------------------
GRAPH_PATH = re.compile(r"^/v(\d+)\.(\d+)/(.*)$")
GRAPH_NODES = {"me", "oauth", "debug_token"}


def graph_error(status: int, code: int, message: str, *, subcode: int | None = None, type_: str = "OAuthException", details: str = "", headers: dict | None = None) -> Reply:
    """The Graph error envelope (https://developers.facebook.com/docs/graph-api/guides/error-handling/)."""
    error: dict[str, Any] = {"message": message, "type": type_, "code": code, "fbtrace_id": "AbCdEfGhIjKlMnOp"}
    if subcode:
        error["error_subcode"] = subcode
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return Reply(status=status, body={"error": error}, headers=dict(headers or {}))


# https://developers.facebook.com/docs/graph-api/overview/rate-limiting/ : throttled calls answer
# HTTP 400 (not 429) with one of these codes and no Retry-After; the usage headers tell the wait.
THROTTLE_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try again.",
    80002: "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.",
    # https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes
    80007: "(#80007) Rate limit issues: the WhatsApp Business Account has reached its rate limit.",
}


def graph_throttled(code: int, *, regain_minutes: int | None = None, object_id: str = "106540352242922", buc_type: str = "pages") -> Reply:
    """A throttled Graph call: HTTP 400, the code's message, and the usage headers Meta sends."""
    headers = {"X-App-Usage": json.dumps({"call_count": 100, "total_cputime": 12, "total_time": 15})}
    if regain_minutes is not None:
        headers["X-Business-Use-Case-Usage"] = json.dumps(
            {object_id: [{"type": buc_type, "call_count": 100, "total_cputime": 20, "total_time": 25, "estimated_time_to_regain_access": regain_minutes}]}
        )
    return graph_error(400, code, THROTTLE_MESSAGES.get(code, f"(#{code}) Rate limited"), headers=headers)


def _graph_token(r: Recorded) -> bool:
    return r.headers.get("authorization", "").startswith("Bearer ") or "access_token" in r.query


def graph_rules(fake: FakePlatform, r: Recorded) -> Reply | None:
    match = GRAPH_PATH.match(r.path)
    if not match:
        return None
    node = match.group(3).split("/", 1)[0]
    if not _graph_token(r) and node != "oauth":
        # "An access token is required to request this resource." (code 104)
        return graph_error(400, 104, "An access token is required to request this resource.")
    if not (re.fullmatch(r"[0-9]+(_[0-9]+)?", node) or node in GRAPH_NODES):
        # An id that is not an object: GraphMethodException 100/33, as Graph answers it.
        return graph_error(
            400, 100,
            f"Unsupported {r.method.lower()} request. Object with ID '{node}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
            subcode=33, type_="GraphMethodException",
        )
    if r.method == "POST" and match.group(3).endswith("/messages"):
        return whatsapp_message_rules(fake, r)
    return None


# WhatsApp Cloud API, https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes
# (#132018): "Param text cannot have new-line/tab characters or more than 4 consecutive spaces".
BAD_TEMPLATE_TEXT = re.compile(r"[\n\t]| {5,}")


def whatsapp_message_rules(fake: FakePlatform, r: Recorded) -> Reply | None:
    try:
        body = r.json()
    except ValueError:
        return graph_error(400, 100, "(#100) Invalid parameter")
    if body.get("messaging_product") != "whatsapp":
        return graph_error(400, 100, "(#100) The parameter messaging_product is required.")
    if not re.fullmatch(r"\+?[0-9]{6,15}", str(body.get("to", ""))):
        return graph_error(400, 100, "(#100) Invalid parameter", details="Parameter 'to' is not a valid phone number")
    if body.get("type") == "template":
        template = body.get("template") or {}
        if not template.get("name") or not (template.get("language") or {}).get("code"):
            return graph_error(400, 131008, "(#131008) Required parameter is missing", details="template name and language code are required")
        for component in template.get("components") or []:
            for parameter in component.get("parameters") or []:
                if parameter.get("type") == "text" and BAD_TEMPLATE_TEXT.search(str(parameter.get("text", ""))):
                    return graph_error(
                        400, 132018, "(#132018) There was an issue with the parameters in your template.",
                        details="Param text cannot have new-line/tab characters or more than 4 consecutive spaces",
                    )
    return None


def whatsapp_observer(fake: FakePlatform, r: Recorded) -> None:
    """The status webhooks Meta sends after accepting a message.

    Outside the 24 h customer service window a free-form (non-template) message is accepted with
    HTTP 200 and a wamid, and fails later with 131047 *by webhook only*
    (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes:
    "Re-engagement message: more than 24 hours have passed since the recipient last replied").
    `fake.state["whatsapp_window"]` lists the numbers that wrote in the last 24 h (none by default).
    """
    match = GRAPH_PATH.match(r.path)
    if not (match and r.method == "POST" and r.path.endswith("/messages") and r.reply and r.reply.status == 200):
        return
    if not isinstance(r.reply.body, dict) or not r.reply.body.get("messages"):
        return
    body = r.json()
    wamid = r.reply.body["messages"][0]["id"]
    to = str(body["to"]).lstrip("+")
    phone_number_id = match.group(3).split("/", 1)[0]
    in_window = to in {n.lstrip("+") for n in fake.state.get("whatsapp_window", ())}
    events = fake.state.setdefault("whatsapp_webhooks", [])
    if body.get("type") != "template" and not in_window:
        events.append(whatsapp_status(phone_number_id, wamid, to, "failed", error={
            "code": 131047, "title": "Re-engagement message",
            "message": "Re-engagement message",
            "error_data": {"details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
        }))
    else:
        events.append(whatsapp_status(phone_number_id, wamid, to, "sent"))
        events.append(whatsapp_status(phone_number_id, wamid, to, "delivered"))


def whatsapp_status(phone_number_id: str, wamid: str, recipient: str, status: str, *, error: dict | None = None, timestamp: int | None = None) -> dict:
    """One `messages` webhook with one status, in Meta's shape
    (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/)."""
    entry: dict[str, Any] = {
        "id": wamid, "status": status, "timestamp": str(timestamp or int(datetime.now(timezone.utc).timestamp())),
        "recipient_id": recipient.lstrip("+"),
    }
    if error:
        entry["errors"] = [error]
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
            "statuses": [entry],
        }}]}],
    }


# --- LinkedIn (api.linkedin.com/rest) ------------------------------------------------------------
# Sunset dates published at https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations
# (checked 2026-11-21); versions are "supported for a minimum of one year"
# (https://learn.microsoft.com/en-us/linkedin/marketing/versioning), so an unlisted version is
# taken to sunset a year after its month, mid-month. A sunset version answers every call with
# 426 {"status": 426, "code": "NONEXISTENT_VERSION", "message": "Requested version 202510 is not active"}
# (as reported in n8n-io/n8n#28967, ComposioHQ/composio#4320).
LINKEDIN_PUBLISHED_SUNSETS = {
    "202510": date(2026, 10, 15),
    "202511": date(2026, 11, 16),
    "202601": date(2027, 1, 15),
    "202602": date(2027, 2, 15),
    "202603": date(2027, 3, 16),
}


def linkedin_version_active(version: str, today: date | None = None) -> bool:
    today = today or datetime.now(timezone.utc).date()
    if not re.fullmatch(r"20\d{4}", version):
        return False
    year, month = int(version[:4]), int(version[4:])
    if not 1 <= month <= 12 or (year, month) > (today.year, today.month):
        return False
    sunset = LINKEDIN_PUBLISHED_SUNSETS.get(version, date(year + 1, month, 15))
    return today < sunset


def linkedin_rules(fake: FakePlatform, r: Recorded) -> Reply | None:
    if not r.path.startswith("/rest/"):
        return None
    version = r.headers.get("linkedin-version", "")
    if not version:
        return Reply(400, {"status": 400, "code": "VERSION_MISSING", "message": "A version must be present. Please specify a version by adding the LinkedIn-Version header."})
    if not linkedin_version_active(version):
        return Reply(426, {"status": 426, "code": "NONEXISTENT_VERSION", "message": f"Requested version {version} is not active"})
    if not r.headers.get("authorization", "").startswith("Bearer "):
        return Reply(401, {"status": 401, "serviceErrorCode": 65600, "code": "INVALID_ACCESS_TOKEN", "message": "Invalid access token"})
    if r.method == "POST" and r.path == "/rest/posts":
        return linkedin_post_rules(fake, r)
    return None


def linkedin_post_rules(fake: FakePlatform, r: Recorded) -> Reply | None:
    """Posts API (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api):
    schema errors are 422; an image must be processed (AVAILABLE) before a post uses it (Postiz,
    linkedin.provider.ts: "must reach AVAILABLE before it is attached to a post, otherwise LinkedIn
    rejects the post")."""
    body = r.json()
    for field in ("author", "commentary", "visibility", "distribution", "lifecycleState"):
        if field not in body:
            return Reply(422, {"status": 422, "message": f"ERROR :: /{field} :: field is required but not found and has no default value\n"})
    if not re.fullmatch(r"urn:li:(person:[A-Za-z0-9_-]+|organization:[0-9]+)", str(body["author"])):
        return Reply(422, {"status": 422, "message": f"ERROR :: /author :: \"{body['author']}\" is not a valid author URN\n"})
    content = body.get("content") or {}
    urns = [content["media"]["id"]] if "media" in content else [image["id"] for image in (content.get("multiImage") or {}).get("images", [])]
    for urn in urns:
        status = linkedin_last_image_status(fake, urn)
        if status not in ("AVAILABLE", "UNREADABLE"):
            return Reply(400, {"status": 400, "message": f"Image {urn} is not ready to be used (status {status or 'unknown'}): wait until it is AVAILABLE"})
    return None


def linkedin_last_image_status(fake: FakePlatform, urn: str) -> str:
    """What the fake last told the adapter about an image: its status, UNREADABLE after a 403, or ''."""
    for earlier in reversed(fake.requests):
        if earlier.method == "GET" and earlier.path.startswith("/rest/images/") and unquote(earlier.path[len("/rest/images/"):]) == urn:
            reply = earlier.reply
            if reply is None:
                continue
            if reply.status == 403:
                return "UNREADABLE"
            return str((reply.body or {}).get("status", "")) if isinstance(reply.body, dict) else ""
    return ""


# --- TikTok Content Posting API (open.tiktokapis.com/v2) ----------------------------------------
# https://developers.tiktok.com/doc/content-posting-api-reference-direct-post : the privacy level
# must be one of creator_info's `privacy_level_options` (else `privacy_level_option_mismatch`);
# an unaudited client may only post SELF_ONLY
# (`unaudited_client_can_only_post_to_private_accounts`), set `fake.state["tiktok_unaudited"]`.
def tiktok_error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"data": {}, "error": {"code": code, "message": message, "log_id": "202611211200000000000000000000"}})


def tiktok_rules(fake: FakePlatform, r: Recorded) -> Reply | None:
    if not r.path.startswith("/v2/post/publish/"):
        return None
    if not r.headers.get("authorization", "").startswith("Bearer "):
        return tiktok_error(401, "access_token_invalid", "The access token is invalid or not found in the request.")
    if r.path in ("/v2/post/publish/content/init/", "/v2/post/publish/video/init/"):
        post_info = (r.json() or {}).get("post_info") or {}
        privacy = post_info.get("privacy_level")
        offered = tiktok_last_privacy_options(fake)
        if fake.state.get("tiktok_unaudited") and privacy != "SELF_ONLY":
            return tiktok_error(403, "unaudited_client_can_only_post_to_private_accounts", "Unaudited clients can only post to a private account")
        if privacy not in offered:
            return tiktok_error(400, "privacy_level_option_mismatch", "privacy_level is not one of the creator's privacy_level_options")
    return None


def tiktok_last_privacy_options(fake: FakePlatform) -> list[str]:
    for earlier in reversed(fake.requests):
        if earlier.path == "/v2/post/publish/creator_info/query/" and earlier.reply and isinstance(earlier.reply.body, dict):
            return list(((earlier.reply.body.get("data") or {}).get("privacy_level_options")) or [])
    return []


# --- X API v2 ------------------------------------------------------------------------------------
def x_usage_capped() -> Reply:
    """The app's monthly usage cap (HTTP 429, problem type usage-capped), as X answers it
    (xdevplatform/xdk#25): the 15-minute rate-limit headers still show room."""
    return Reply(
        429,
        {"account_id": "1452000000000000000", "product_name": "standard-basic", "title": "UsageCapExceeded", "period": "Monthly",
         "scope": "Product", "detail": "Usage cap exceeded: Monthly product cap", "type": "https://api.twitter.com/2/problems/usage-capped"},
        headers={"x-rate-limit-limit": "100", "x-rate-limit-remaining": "99", "x-rate-limit-reset": str(int(datetime.now(timezone.utc).timestamp()) + 900), "Content-Type": "application/problem+json"},
    )


def x_rules(fake: FakePlatform, r: Recorded) -> Reply | None:
    if not r.path.startswith("/2/") or r.path.startswith("/2/oauth2/"):
        return None
    if not r.headers.get("authorization", "").startswith("Bearer "):
        return Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
    return None


ALL_RULES = [graph_rules, linkedin_rules, tiktok_rules, x_rules]
ALL_OBSERVERS = [whatsapp_observer]
