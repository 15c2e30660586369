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
    return instagram_reel_rules(fake, r, match.group(3))


# Instagram Reels (https://developers.facebook.com/docs/instagram-platform/content-publishing/,
# "Reels" and POST /{ig-user-id}/media with media_type=REELS): the container needs `video_url`
# (Instagram downloads it, then processes it: `status_code` IN_PROGRESS until FINISHED, or ERROR);
# media_publish of a container that is not FINISHED answers the "media not ready" error
# 9007/2207027 (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes).
# `fake.state["reel_processing_polls"]` says how many polls a Reel stays IN_PROGRESS (default 2);
# `fake.state["reel_error"]` makes processing end in ERROR with that message.
def instagram_reel_rules(fake: FakePlatform, r: Recorded, rest: str) -> Reply | None:
    reels = fake.state.setdefault("instagram_reels", {})
    if r.method == "POST" and rest.endswith("/media"):
        try:
            body = r.json()
        except ValueError:
            return None
        if body.get("media_type") != "REELS":
            return None
        if not str(body.get("video_url", "")).startswith("https://"):
            return graph_error(400, 100, "(#100) The parameter video_url is required and must be a public https URL.")
        if len(str(body.get("caption", ""))) > 2200:
            return graph_error(400, 100, "(#100) The caption is too long: at most 2200 characters.")
        container = str(17889455560060000 + len(reels) + 1)
        reels[container] = {"polls": 0, "body": body, "published": False}
        return Reply(200, {"id": container})
    node = rest.split("/", 1)[0]
    if r.method == "GET" and node in reels and rest == node and "status_code" in r.params().get("fields", ""):
        reel = reels[node]
        reel["polls"] += 1
        if reel["published"]:
            status = "PUBLISHED"
        elif reel["polls"] <= fake.state.get("reel_processing_polls", 2):
            status = "IN_PROGRESS"
        else:
            status = "ERROR" if fake.state.get("reel_error") else "FINISHED"
        answer = {"status_code": status, "id": node}
        if status == "ERROR":
            answer["status"] = f"Error: {fake.state['reel_error']}"
        return Reply(200, answer)
    if r.method == "POST" and rest.endswith("/media_publish"):
        creation_id = str((r.json() or {}).get("creation_id", ""))
        reel = reels.get(creation_id)
        if reel is None:
            return None
        if reel["polls"] <= fake.state.get("reel_processing_polls", 2) or fake.state.get("reel_error"):
            return graph_error(400, 9007, "Media ID is not available", subcode=2207027)
        if reel["published"]:
            return graph_error(400, 9007, "Media ID is not available", subcode=2207027)
        reel["published"] = True
        return None  # the script answers the new media id
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
    if r.path.startswith("/dms-uploads/") and r.method == "PUT":
        return linkedin_video_part(fake, r)
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
    if r.path == "/rest/videos" or r.path.startswith("/rest/videos/"):
        return linkedin_video_rules(fake, r)
    return None


# LinkedIn Videos API (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api):
# initializeUpload declares 75 KB to 500 MB and answers one upload instruction per 4 MB part
# (firstByte/lastByte); each part PUT answers an ETag; finalizeUpload needs every part's ETag in
# order (else 400); the video is then PROCESSING until AVAILABLE (`fake.state["linkedin_video_polls"]`
# polls, default 1), or PROCESSING_FAILED with `fake.state["linkedin_video_error"]`.
LINKEDIN_PART = 4 * 1024 * 1024


def linkedin_video_rules(fake: FakePlatform, r: Recorded) -> Reply | None:
    videos = fake.state.setdefault("linkedin_videos", {})
    action = r.params().get("action")
    if r.method == "POST" and action == "initializeUpload":
        request = (r.json() or {}).get("initializeUploadRequest") or {}
        size = int(request.get("fileSizeBytes") or 0)
        if not 75 * 1024 <= size <= 500 * 1024 * 1024 or not str(request.get("owner", "")).startswith("urn:li:"):
            return Reply(400, {"status": 400, "message": "fileSizeBytes must be between 75 KB and 500 MB, with an owner URN"})
        key = f"C5F10AQ{len(videos) + 1:08d}"
        urn = f"urn:li:video:{key}"
        parts = [(first, min(first + LINKEDIN_PART, size) - 1) for first in range(0, size, LINKEDIN_PART)]
        videos[urn] = {"parts": parts, "etags": {}, "finalized": False, "polls": 0, "key": key}
        return Reply(200, {"value": {
            "uploadUrlsExpireAt": 1765090000000, "video": urn, "uploadToken": "",
            "uploadInstructions": [{"uploadUrl": f"{fake.url}/dms-uploads/{key}/part{index}", "firstByte": a, "lastByte": b} for index, (a, b) in enumerate(parts)],
        }})
    if r.method == "POST" and action == "finalizeUpload":
        request = (r.json() or {}).get("finalizeUploadRequest") or {}
        video = videos.get(str(request.get("video", "")))
        if video is None:
            return Reply(404, {"status": 404, "message": "No such video"})
        expected = [video["etags"].get(index) for index in range(len(video["parts"]))]
        if None in expected or list(request.get("uploadedPartIds") or []) != expected:
            return Reply(400, {"status": 400, "message": "uploadedPartIds must list the ETag of every uploaded part, in order"})
        video["finalized"] = True
        return Reply(200, b"")
    if r.method == "GET" and r.path.startswith("/rest/videos/"):
        video = videos.get(unquote(r.path[len("/rest/videos/"):]))
        if video is None:
            return Reply(404, {"status": 404, "message": "No such video"})
        if not video["finalized"]:
            status = "WAITING_UPLOAD"
        else:
            video["polls"] += 1
            if video["polls"] <= fake.state.get("linkedin_video_polls", 1):
                status = "PROCESSING"
            else:
                status = "PROCESSING_FAILED" if fake.state.get("linkedin_video_error") else "AVAILABLE"
        body = {"id": unquote(r.path[len("/rest/videos/"):]), "status": status}
        if status == "PROCESSING_FAILED":
            body["processingFailureReason"] = fake.state["linkedin_video_error"]
        return Reply(200, body)
    return None


def linkedin_video_part(fake: FakePlatform, r: Recorded) -> Reply | None:
    _, _, key, part = (r.path.split("/", 3) + ["", "", "", ""])[:4]
    video = next((v for v in fake.state.get("linkedin_videos", {}).values() if v["key"] == key), None)
    if video is None or not re.fullmatch(r"part[0-9]+", part):
        return None  # not a video part (image uploads are scripted)
    index = int(part[4:])
    first, last = video["parts"][index]
    if len(r.body) != last - first + 1:
        return Reply(400, {"status": 400, "message": "The part's length does not match its byte range"})
    if fake.state.get("linkedin_drop_part") == index:
        fake.state.pop("linkedin_drop_part")
        return Reply(drop=True)
    etag = f"/ambry-video/signedId/{key}-{index}"
    video["etags"][index] = etag
    return Reply(200, b"", headers={"ETag": etag})


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
    for urn in [u for u in urns if u.startswith("urn:li:video:")]:
        video = fake.state.get("linkedin_videos", {}).get(urn)
        if video is None or not video["finalized"] or video["polls"] <= fake.state.get("linkedin_video_polls", 1):
            return Reply(400, {"status": 400, "message": f"Video {urn} is not ready to be used: wait until it is AVAILABLE"})
    urns = [u for u in urns if not u.startswith("urn:li:video:")]
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
    if r.path == "/upload/" and r.method == "PUT":
        return tiktok_chunk_rules(fake, r)
    if r.path == "/v2/post/publish/status/fetch/" and r.headers.get("authorization", "").startswith("Bearer "):
        return tiktok_video_status(fake, r)
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
    if r.path == "/v2/post/publish/video/init/":
        return tiktok_video_init(fake, r)
    return None


# https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide ("Chunk restrictions"):
# chunks of 5-64 MB, the last one up to 128 MB; total_chunk_count = video_size // chunk_size; a
# video under 5 MB in one chunk of its whole size; 1-1000 chunks; uploaded in order. Each PUT
# answers 206 Partial Content, the last 201 Created; a Content-Range that is not the next chunk
# is 416 Range Not Satisfiable. TikTok refuses a bad plan at init with `invalid_params`.
TIKTOK_MB = 1024 * 1024


def tiktok_chunk_plan_problem(size: int, chunk: int, count: int) -> str | None:
    if size <= 0 or chunk <= 0 or count <= 0:
        return "video_size, chunk_size and total_chunk_count must be positive"
    if size < 5 * TIKTOK_MB:
        return None if (chunk, count) == (size, 1) else "a video under 5 MB must be uploaded whole (chunk_size = video_size)"
    if not 5 * TIKTOK_MB <= chunk <= 64 * TIKTOK_MB and not (count == 1 and chunk == size and size <= 64 * TIKTOK_MB):
        return "chunk_size must be between 5 MB and 64 MB"
    if count != size // chunk or count > 1000:
        return "total_chunk_count must be video_size / chunk_size rounded down, at most 1000"
    if size - (count - 1) * chunk > 128 * TIKTOK_MB:
        return "the final chunk may be at most 128 MB"
    return None


def tiktok_video_init(fake: FakePlatform, r: Recorded) -> Reply | None:
    source = (r.json() or {}).get("source_info") or {}
    if source.get("source") != "FILE_UPLOAD":
        return None  # PULL_FROM_URL: the script answers
    size, chunk, count = (int(source.get(key) or 0) for key in ("video_size", "chunk_size", "total_chunk_count"))
    problem = tiktok_chunk_plan_problem(size, chunk, count)
    if problem:
        return tiktok_error(400, "invalid_params", problem)
    sessions = fake.state.setdefault("tiktok_uploads", {})
    upload_id = f"up{len(sessions) + 1}"
    publish_id = f"v_inbox_file~v2.{7300000000000000000 + len(sessions) + 1}"
    sessions[upload_id] = {"publish_id": publish_id, "size": size, "chunk": chunk, "count": count, "received": 0, "polls_after_upload": 0}
    return Reply(200, {"data": {"publish_id": publish_id, "upload_url": f"{fake.url}/upload/?upload_id={upload_id}&upload_token=tok-{upload_id}"},
                       "error": {"code": "ok", "message": "", "log_id": "202612060700000000000000000000"}})


def tiktok_chunk_rules(fake: FakePlatform, r: Recorded) -> Reply:
    session = fake.state.get("tiktok_uploads", {}).get(r.params().get("upload_id", ""))
    if session is None:
        return Reply(404, b"")
    if fake.state.get("tiktok_drop_chunk") == session["received"] // session["chunk"] and session["received"] < session["size"]:
        fake.state.pop("tiktok_drop_chunk")
        return Reply(drop=True)  # the connection dies with the chunk unanswered (and not kept)
    match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", r.headers.get("content-range", ""))
    if not match or r.headers.get("content-type") not in ("video/mp4", "video/quicktime", "video/webm"):
        return Reply(400, b"")
    first, last, total = map(int, match.groups())
    index = session["received"] // session["chunk"]
    expected_last = session["size"] - 1 if index == session["count"] - 1 else session["received"] + session["chunk"] - 1
    if total != session["size"] or first != session["received"] or last != expected_last or len(r.body) != last - first + 1:
        return Reply(416, b"")
    session["received"] = last + 1
    return Reply(201 if session["received"] == session["size"] else 206, b"")


def tiktok_video_status(fake: FakePlatform, r: Recorded) -> Reply | None:
    """Status of a FILE_UPLOAD post: PROCESSING_UPLOAD with `uploaded_bytes` until the upload is
    complete and once more, then PUBLISH_COMPLETE (or FAILED with `fake.state["tiktok_fail_reason"]`)."""
    publish_id = (r.json() or {}).get("publish_id")
    session = next((s for s in fake.state.get("tiktok_uploads", {}).values() if s["publish_id"] == publish_id), None)
    if session is None:
        return None
    ok = {"code": "ok", "message": "", "log_id": "202612060700000000000000000001"}
    if session["received"] < session["size"] or session["polls_after_upload"] == 0:
        if session["received"] == session["size"]:
            session["polls_after_upload"] += 1
        return Reply(200, {"data": {"status": "PROCESSING_UPLOAD", "uploaded_bytes": session["received"]}, "error": ok})
    if fake.state.get("tiktok_fail_reason"):
        return Reply(200, {"data": {"status": "FAILED", "fail_reason": fake.state["tiktok_fail_reason"], "uploaded_bytes": session["size"]}, "error": ok})
    return Reply(200, {"data": {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [7440000000000000099], "uploaded_bytes": session["size"]}, "error": ok})


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
    if r.path.startswith("/2/media/upload") and r.path != "/2/media/upload" or (r.path == "/2/media/upload" and r.method == "GET"):
        return x_media_upload_rules(fake, r)
    if r.path == "/2/tweets" and r.method == "POST":
        uploads = fake.state.get("x_uploads", {})
        for media_id in ((r.json() or {}).get("media") or {}).get("media_ids", []):
            if media_id in uploads and uploads[media_id]["state"] != "succeeded":
                return x_problem(400, "Your media IDs are invalid.")
    return None


# X API v2 chunked media upload (https://docs.x.com/x-api/media/quickstart/media-upload-chunked and
# the reference of /2/media/upload/initialize, /{id}/append, /{id}/finalize and STATUS): APPEND
# segments are at most 5 MB with segment_index 0-999; FINALIZE checks the segments add up to
# total_bytes ("Segments do not add up to provided total file size."); a video is then processed
# (processing_info.state pending → in_progress → succeeded | failed) and a post may use its media
# id only once it succeeded ("Your media IDs are invalid."). `fake.state["x_processing_polls"]`:
# STATUS polls answered in_progress (default 1); `fake.state["x_video_error"]`: fail processing.
X_SEGMENT_MAX = 5 * 1024 * 1024
X_UPLOAD_PATH = re.compile(r"^/2/media/upload/([0-9]+)/(append|finalize)$")


def x_problem(status: int, detail: str) -> Reply:
    return Reply(status, {"title": "Invalid Request", "detail": detail, "type": "https://api.twitter.com/2/problems/invalid-request", "status": status})


def x_media_upload_rules(fake: FakePlatform, r: Recorded) -> Reply | None:
    uploads = fake.state.setdefault("x_uploads", {})
    if r.path == "/2/media/upload/initialize" and r.method == "POST":
        body = r.json() or {}
        if body.get("media_type") not in ("video/mp4", "video/quicktime") or not 0 < int(body.get("total_bytes") or 0) <= 512 * 1024 * 1024:
            return x_problem(400, "media_type must be a video type and total_bytes at most 512 MB.")
        media_id = str(1880028106020515840 + len(uploads) + 1)
        uploads[media_id] = {"total": int(body["total_bytes"]), "segments": {}, "state": "uploading", "polls": 0}
        return Reply(200, {"data": {"id": media_id, "media_key": f"7_{media_id}", "expires_after_secs": 86399}})
    if r.path == "/2/media/upload" and r.method == "GET":
        upload = uploads.get(r.params().get("media_id", ""))
        if r.params().get("command") != "STATUS" or upload is None or upload["state"] == "uploading":
            return x_problem(400, "Invalid media_id or command.")
        if upload["state"] in ("pending", "in_progress"):
            upload["polls"] += 1
            if upload["polls"] <= fake.state.get("x_processing_polls", 1):
                upload["state"] = "in_progress"
                return Reply(200, {"data": {"id": r.params()["media_id"], "processing_info": {"state": "in_progress", "check_after_secs": 1, "progress_percent": 40}}})
            upload["state"] = "failed" if fake.state.get("x_video_error") else "succeeded"
        info: dict[str, Any] = {"state": upload["state"]}
        if upload["state"] == "failed":
            info["error"] = {"code": 1, "name": "InvalidMedia", "message": fake.state["x_video_error"]}
        return Reply(200, {"data": {"id": r.params()["media_id"], "processing_info": info}})
    match = X_UPLOAD_PATH.match(r.path)
    if not match or r.method != "POST":
        return None
    media_id, action = match.groups()
    upload = uploads.get(media_id)
    if upload is None:
        return x_problem(400, "Invalid media_id.")
    if action == "append":
        parts = r.multipart()
        index = int(parts.get("segment_index", (None, b"-1"))[1] or b"-1")
        media = parts.get("media", (None, b""))[1]
        if not 0 <= index <= 999 or upload["state"] != "uploading":
            return x_problem(400, "segment_index must be between 0 and 999, before FINALIZE.")
        if not media or len(media) > X_SEGMENT_MAX:
            return x_problem(400, "A segment must hold 1 byte to 5 MB of media.")
        if fake.state.get("x_drop_segment") == index:
            fake.state.pop("x_drop_segment")
            return Reply(drop=True)
        upload["segments"][index] = len(media)
        return Reply(200, {"data": {"expires_at": 1765090000}})
    segments = upload["segments"]
    if sorted(segments) != list(range(len(segments))) or sum(segments.values()) != upload["total"]:
        return x_problem(400, "Segments do not add up to provided total file size.")
    upload["state"] = "pending"
    return Reply(200, {"data": {"id": media_id, "media_key": f"7_{media_id}", "size": upload["total"], "expires_after_secs": 86399,
                                "processing_info": {"state": "pending", "check_after_secs": 1}}})


ALL_RULES = [graph_rules, linkedin_rules, tiktok_rules, x_rules]
ALL_OBSERVERS = [whatsapp_observer]
