"""`Idempotency-Key` on create requests.

The same key from the same user within 24 hours returns the first response and creates nothing
new; the same key with a different body is a 422. The record is written in the same transaction
as whatever the request creates, so a concurrent retry waits for the first request and then
replays its response (the unique constraint settles the race). Error responses are not kept: a
client may correct its request and send it again with the same key.

A response that shows a secret once (a webhook's signing secret, an invite token) names it in
`secret_fields`: the stored copy holds it encrypted (backend.core.crypto), like the secret's own
column, and a replay decrypts it.
"""
from __future__ import annotations

import hashlib
import json
from functools import wraps

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from . import crypto
from .exceptions import Unprocessable
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    data = request.data
    if hasattr(data, "lists"):
        items = {key: values for key, values in data.lists()}
    else:
        items = data
    canonical = {}
    if isinstance(items, dict):
        for key, value in items.items():
            canonical[key] = value
    else:
        canonical["_body"] = items
    for key, upload in getattr(request, "FILES", {}).items():
        file_digest = hashlib.sha256()
        for chunk in upload.chunks():
            file_digest.update(chunk)
        upload.seek(0)
        canonical[key] = f"file:{upload.size}:{file_digest.hexdigest()}"
    digest.update(json.dumps(canonical, sort_keys=True, cls=JSONEncoder, default=str).encode())
    return digest.hexdigest()


def _sealed(body, fields: tuple[str, ...], seal) -> object:
    if not fields or not isinstance(body, dict):
        return body
    return {key: (seal(value) if key in fields and isinstance(value, str) else value) for key, value in body.items()}


def _reveal(value: str) -> str:
    return crypto.decrypt(value) if value.startswith(crypto.PREFIX) else value  # kept before sealing existed


def idempotent(view_method=None, *, secret_fields: tuple[str, ...] = ()):
    """Decorate a view method that creates something (`@idempotent` or `@idempotent(secret_fields=...)`)."""
    if view_method is None:
        return lambda method: idempotent(method, secret_fields=secret_fields)

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 255:
            raise ValidationError({HEADER: ["The Idempotency-Key header can have at most 255 characters."]})
        user = request.user if request.user.is_authenticated else None
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            cutoff = timezone.now() - settings.IDEMPOTENCY_KEY_TTL
            IdempotencyRecord.objects.filter(user=user, key=key, created_at__lt=cutoff).delete()
            record, created = IdempotencyRecord.objects.get_or_create(
                user=user,
                key=key,
                defaults={"method": request.method, "path": request.path[:500], "request_hash": fingerprint},
            )
            if not created:
                if record.request_hash != fingerprint:
                    raise Unprocessable(
                        detail="This Idempotency-Key was already used with a different request.",
                        code="idempotency_key_reused",
                    )
                response = Response(_sealed(record.response_body, secret_fields, _reveal), status=record.response_status)
                response["Idempotent-Replayed"] = "true"
                return response
            response = view_method(self, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                record.response_status = response.status_code
                record.response_body = _sealed(json.loads(json.dumps(response.data, cls=JSONEncoder)), secret_fields, crypto.encrypt)
                record.save(update_fields=["response_status", "response_body"])
            else:
                transaction.set_rollback(True)
            return response

    wrapper.postloom_idempotent = True  # the schema documents the header (backend.core.schema)
    return wrapper


def idempotency_purge() -> int:
    cutoff = timezone.now() - settings.IDEMPOTENCY_KEY_TTL
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
