"""Key-shaped text is cut out of anything a provider or platform says before a client or a log sees it.

Providers echo what they were sent: OpenAI's "Incorrect API key provided: sk-proj-..." message, a
proxy's error page quoting the Authorization header, a platform's error repeating the URL with its
access_token. Error messages built from such text pass through redact_secrets(), and every log
record passes through RedactSecretsFilter.
"""
from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

_PATTERNS = [
    re.compile(r"\bsk-[A-Za-z0-9_\-*.]{8,}"),  # OpenAI and OpenAI-compatible keys (also partly masked ones)
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9_\-.~+/=]{8,}"),  # Authorization header values
    re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),  # JWTs
    re.compile(r"\bEAA[A-Za-z0-9]{20,}"),  # Meta (Facebook, Instagram, WhatsApp) tokens
    re.compile(r"\bIGQ[A-Za-z0-9_-]{20,}"),  # Instagram tokens
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key ids
    re.compile(r"\bAIza[0-9A-Za-z_-]{30,}"),  # Google API keys
    re.compile(r"\b(?:ghp|gho|ghs|github_pat|xox[abposr])[_-][A-Za-z0-9_-]{10,}"),
    # key=value pairs in URLs, headers and JSON: access_token=..., "api_key": "...", client_secret: ...
    re.compile(
        r"(?i)((?:access|refresh|id)[_-]?token|api[_-]?key|client[_-]?secret|secret|password|authorization)"
        r"(\"?\s*[:=]\s*\"?)([^\s\"&,;}]{6,})"
    ),
]


def _configured_secrets() -> list[str]:
    try:
        from django.conf import settings

        values = [getattr(settings, "OPENAI_API_KEY", ""), getattr(settings, "SECRET_KEY", "")]
        for app in getattr(settings, "SOCIAL_PLATFORMS", {}).values():
            values += [app.get("client_secret", ""), app.get("webhook_verify_token", "")]
        values += list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []))
    except Exception:  # settings not configured (a bare import)
        return []
    return [value for value in values if value and len(value) >= 8]


def redact_secrets(text: str) -> str:
    if not text:
        return text
    for secret in _configured_secrets():
        text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        if pattern.groups == 3:
            text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
        elif pattern.groups == 1:
            text = pattern.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


class RedactSecretsFilter(logging.Filter):
    """Redacts the formatted message and the traceback of every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        record.msg, record.args = redact_secrets(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_secrets(record.exc_text)
        return True
