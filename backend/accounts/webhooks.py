"""Outgoing webhooks: an outbox of signed deliveries, POSTed by a periodic task until a 2xx.

Emitting an event (`webhook_emit`) only writes `WebhookDelivery` rows, in the caller's transaction:
the event and its deliveries commit together or not at all, and publishing never waits on a
receiver. Beat's `accounts.deliver_webhooks` (every WEBHOOK_DELIVERY_INTERVAL_SECONDS) claims due
rows and POSTs them.

A delivery is signed like Stripe's: `Postloom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>" with the endpoint's secret>`; `Postloom-Event` names the event and
`Postloom-Delivery` the delivery (receivers deduplicate on it). A 2xx within
WEBHOOK_TIMEOUT_SECONDS is success; anything else (status, timeout, refused address) is retried
with exponential backoff (WEBHOOK_RETRY_BASE_SECONDS doubling, at most WEBHOOK_RETRY_MAX_SECONDS
apart) until WEBHOOK_RETRY_WINDOW_SECONDS (a day) after the event, then the delivery is failed.

SSRF: a target must not be (or resolve to) a loopback, private, link-local, shared, reserved,
multicast or metadata address. The URL is checked when the endpoint is registered and the host is
resolved again at delivery time; the request goes to the address that was checked (so a DNS
answer that changes between the check and the connection cannot redirect it), and redirects are
not followed. Hosts named in WEBHOOK_ALLOWED_HOSTS (tests: 127.0.0.1) skip the address check.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.core.serializers.json import DjangoJSONEncoder

from backend.core.statements import names

from .models import MANAGER_ROLES, Organization, WebhookDelivery, WebhookEndpoint
from .permissions import require_role

logger = logging.getLogger(__name__)

EVENTS = (
    "post.posted",
    "post.failed",
    "post.needs_attention",
    "account.needs_reconnect",
    "job.succeeded",
    "job.failed",
    "usage.limit_reached",
)
SIGNATURE_HEADER = "Postloom-Signature"
EVENT_HEADER = "Postloom-Event"
DELIVERY_HEADER = "Postloom-Delivery"
# Hosts a webhook may never target, whatever they resolve to.
BLOCKED_NAMES = ("localhost", "metadata.google.internal", "metadata")
BLOCKED_SUFFIXES = (".localhost", ".internal", ".local")
METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}
CLAIM_LEASE = timedelta(minutes=2)

Status = WebhookDelivery.Status


class UnsafeTarget(ValueError):
    """The URL's host is not a public address (or cannot be resolved at delivery time)."""


# --- Signing --------------------------------------------------------------------------------


def webhook_secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature_header(*, secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signature_verify(*, secret: str, body: bytes, header: str, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does: recompute the HMAC and compare in constant time, refusing stale stamps."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = signature_header(secret=secret, body=body, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


# --- SSRF validation ------------------------------------------------------------------------


def _allowed_hosts() -> set[str]:
    return {host.strip().lower().strip("[]") for host in settings.WEBHOOK_ALLOWED_HOSTS if host.strip()}


def address_is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast and address not in METADATA_ADDRESSES


def _split(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeTarget("Only http:// and https:// URLs can receive webhooks.")
    if parts.username or parts.password:
        raise UnsafeTarget("A webhook URL must not carry credentials.")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise UnsafeTarget("The URL has no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeTarget("The URL's port is not valid.") from None
    return parts.scheme, host, port


def resolve_public(host: str, port: int) -> str:
    """The address to connect to for `host`: every address it resolves to must be public."""
    if host in _allowed_hosts():
        try:
            return str(ipaddress.ip_address(host))
        except ValueError:
            pass
    elif host in BLOCKED_NAMES or host.endswith(BLOCKED_SUFFIXES):
        raise UnsafeTarget(f"{host} is an internal host name.")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise UnsafeTarget(f"{host} cannot be resolved ({exc}).") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    if not addresses:
        raise UnsafeTarget(f"{host} has no address.")
    if host not in _allowed_hosts():
        for address in addresses:
            if not address_is_public(address):
                raise UnsafeTarget(f"{host} resolves to {address}, which is not a public address.")
    return str(addresses[0])


def webhook_url_check(url: str) -> str:
    """At registration: refuse non-HTTP URLs, internal names and non-public addresses.

    A host name that does not resolve now is accepted (DNS may be down); delivery checks again.
    """
    scheme, host, port = _split(url)
    if host in _allowed_hosts():
        return url
    if host in BLOCKED_NAMES or host.endswith(BLOCKED_SUFFIXES):
        raise UnsafeTarget(f"{host} is an internal host name.")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not address_is_public(literal):
        raise UnsafeTarget(f"{host} is not a public address.")
    try:
        resolve_public(host, port)
    except UnsafeTarget as exc:
        if "cannot be resolved" not in str(exc) and "has no address" not in str(exc):
            raise
    return url


# --- Endpoints ------------------------------------------------------------------------------


@transaction.atomic
def webhook_create(*, organization: Organization, url: str, events: list[str], description: str = "", by) -> WebhookEndpoint:
    require_role(by, organization.pk, MANAGER_ROLES, action="manage webhooks")
    webhook_url_check(url)
    return WebhookEndpoint.objects.create(
        organization=organization, url=url, events=sorted(set(events)), description=description,
        secret=webhook_secret_new(), created_by=by,
    )


@transaction.atomic
def webhook_update(*, endpoint: WebhookEndpoint, by, **changes) -> WebhookEndpoint:
    require_role(by, endpoint.organization_id, MANAGER_ROLES, action="manage webhooks")
    if "url" in changes:
        webhook_url_check(changes["url"])
    if "events" in changes:
        changes["events"] = sorted(set(changes["events"]))
    for name, value in changes.items():
        setattr(endpoint, name, value)
    endpoint.save()
    return endpoint


# --- The outbox -----------------------------------------------------------------------------


def _json_safe(data: Any) -> Any:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def webhook_endpoints_exist_sql(organization_id: int) -> tuple[str, list]:
    """An SQL boolean: has the organization an active endpoint? (A caller may put it in a statement
    it runs anyway, and pass the answer to `webhook_emit`.)"""
    table, organization, active = names(WebhookEndpoint, "organization", "active")
    return f"EXISTS (SELECT 1 FROM {table} WHERE {organization} = %s AND {active})", [organization_id]


def _has_active_endpoint(organization_id: int) -> bool:
    sql, params = webhook_endpoints_exist_sql(organization_id)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        return bool(cursor.fetchone()[0])


def webhook_emit(
    *, organization_id: int, event: str, data: dict[str, Any] | Callable[[], dict[str, Any]], endpoints_exist: bool | None = None
) -> list[WebhookDelivery]:
    """Write one delivery per active endpoint of the organization that wants `event`.

    Runs in the caller's transaction (an outbox): if the event's own change rolls back, so do
    its deliveries. Never raises for a receiver's sake; nothing is sent here. `data` may be a
    function building the payload: it is called only when an endpoint wants the event (most
    organizations have none, and a publish should not pay for a serializer nobody reads).
    `endpoints_exist`: `webhook_endpoints_exist_sql`'s answer, read in this transaction, if the
    caller has it (None: it is read here).
    """
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    if endpoints_exist is None:
        endpoints_exist = _has_active_endpoint(organization_id)  # one cheap indexed probe, nothing compiled
    if not endpoints_exist:  # most organizations
        return []
    endpoints = [
        endpoint for endpoint in WebhookEndpoint.objects.filter(organization_id=organization_id, active=True)
        if event in endpoint.events
    ]
    if not endpoints:
        return []
    now = timezone.now()
    event_id = uuid.uuid4()
    payload = {"id": str(event_id), "type": event, "created_at": now.isoformat(), "organization": organization_id, "data": _json_safe(data() if callable(data) else data)}
    return WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint, event_id=event_id, event=event, payload=payload, next_attempt_at=now,
            retry_until=now + timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS),
        )
        for endpoint in endpoints
    )


def webhook_delete(*, endpoint: WebhookEndpoint, by) -> None:
    require_role(by, endpoint.organization_id, MANAGER_ROLES, action="manage webhooks")
    endpoint.delete()


def webhook_deliveries(*, endpoint: WebhookEndpoint, by):
    """The endpoint's delivery log, newest first (owners and admins)."""
    require_role(by, endpoint.organization_id, MANAGER_ROLES, action="read webhook deliveries")
    return endpoint.deliveries.order_by("-created_at", "-id")


def webhook_redeliver(*, delivery: WebhookDelivery, by) -> WebhookDelivery:
    """Send a delivery again now (by hand), with a fresh retry window."""
    require_role(by, delivery.endpoint.organization_id, MANAGER_ROLES, action="manage webhooks")
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.PENDING, next_attempt_at=now, retry_until=now + timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS),
    )
    delivery.refresh_from_db()
    return delivery


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones: 30 s, 1 min, 2 min, … at most 4 h."""
    return min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), settings.WEBHOOK_RETRY_MAX_SECONDS)


def due_deliveries(*, now: datetime | None = None):
    return WebhookDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now or timezone.now())


def webhooks_deliver_due(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Claim due deliveries (a lease, so two beats do not send one twice at once) and send them."""
    now = now or timezone.now()
    limit = limit or settings.WEBHOOK_BATCH_SIZE
    with transaction.atomic():
        rows = list(
            due_deliveries(now=now).select_for_update(skip_locked=True).order_by("next_attempt_at", "id").values_list("pk", "attempts")[:limit]
        )
        claimed = {}
        for pk, attempts in rows:
            # compare-and-swap on the lease: holds on SQLite too, where row locks do nothing
            if WebhookDelivery.objects.filter(pk=pk, status=Status.PENDING, next_attempt_at__lte=now).update(
                next_attempt_at=now + CLAIM_LEASE
            ):
                claimed[pk] = attempts
    for pk, attempts in claimed.items():
        try:
            webhook_deliver(delivery_id=pk, attempts=attempts)
        except Exception:  # one broken delivery must not stop the others
            logger.exception("Webhook delivery %s crashed", pk)
    return len(claimed)


@dataclass
class SendResult:
    ok: bool
    status_code: int | None
    error: str
    elapsed_ms: int


def _send(*, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
    started = time.monotonic()
    try:
        scheme, host, port = _split(url)
        address = resolve_public(host, port)
    except UnsafeTarget as exc:
        return SendResult(False, None, f"Refused: {exc}", 0)
    parts = urlsplit(url)
    pinned_host = f"[{address}]" if ":" in address else address
    netloc = f"{pinned_host}:{port}"
    target = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = parts.netloc.rsplit("@", 1)[-1]
    extensions = {"sni_hostname": host} if scheme == "https" else {}
    try:
        with httpx.Client(timeout=settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False) as client:
            request = client.build_request("POST", target, content=body, headers={**headers, "Host": host_header}, extensions=extensions)
            response = client.send(request, stream=True)
            response.close()  # the body is not read: only the status counts
    except httpx.TimeoutException:
        return SendResult(False, None, "Timed out.", int((time.monotonic() - started) * 1000))
    except httpx.HTTPError as exc:
        return SendResult(False, None, f"{type(exc).__name__}: {exc}"[:500], int((time.monotonic() - started) * 1000))
    elapsed = int((time.monotonic() - started) * 1000)
    ok = 200 <= response.status_code < 300
    return SendResult(ok, response.status_code, "" if ok else f"The endpoint answered {response.status_code}.", elapsed)


def webhook_deliver(*, delivery_id: int, attempts: int) -> str:
    """POST one claimed delivery and record the outcome. Returns the delivery's status."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Postloom-Webhooks/1.0",
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.pk),
        SIGNATURE_HEADER: signature_header(secret=endpoint.secret, body=body, timestamp=int(time.time())),
    }
    if not endpoint.active:
        result = SendResult(False, None, "The endpoint is disabled.", 0)
    else:
        result = _send(url=endpoint.url, body=body, headers=headers)
    now = timezone.now()
    fields: dict[str, Any] = {
        "attempts": F("attempts") + 1, "last_status_code": result.status_code, "last_error": result.error,
        "last_response_ms": result.elapsed_ms,
    }
    if result.ok:
        fields.update(status=Status.SUCCEEDED, delivered_at=now, next_attempt_at=None)
    else:
        next_at = now + timedelta(seconds=retry_delay(attempts + 1))
        if delivery.retry_until is not None and next_at > delivery.retry_until:
            fields.update(status=Status.FAILED, next_attempt_at=None)
        else:
            fields.update(next_attempt_at=next_at)
    # Only the claimer that read `attempts` records (a redelivery meanwhile is not overwritten).
    WebhookDelivery.objects.filter(pk=delivery_id, attempts=attempts).update(**fields)
    return fields.get("status", Status.PENDING)
