"""A test-only HTTP platform adapter, loaded by the worker processes of the fault tests.

It speaks to `FlakyServer` (tests/reliability/harness.py) on 127.0.0.1 through the same
`HttpPlatformService.call` as every real platform, so 5xx answers are mapped to TRANSIENT and
retried with backoff exactly as in production. Never imported by the application itself.
"""
from __future__ import annotations

import os

from backend.social.platforms import requirements
from backend.social.platforms.base import PublishRequest, PublishResult
from backend.social.platforms.http import HttpPlatformService
from backend.social.platforms.registry import register

PLATFORM = "flakytest"


@register
class FlakyTestService(HttpPlatformService):
    platform = PLATFORM
    name = "Flaky test platform"
    requirements = requirements.SANDBOX

    @property
    def config(self) -> dict:
        return {"base_url": os.environ["FLAKY_PLATFORM_URL"], "api_version": ""}

    def publish(self, request: PublishRequest) -> PublishResult:
        if os.environ.get("FLAKY_PREPARE"):  # a slow, repeatable step first (as a media upload is)
            self.call_json("POST", "prepare", json={"post_id": request.post_id, "worker": os.environ.get("FLAKY_WORKER", "")})
        body = self.call_json("POST", "publish", json={"post_id": request.post_id, "text": request.text}, final=True)
        return PublishResult(external_id=str(body["id"]))

    def find_publication(self, *, credentials, post_id: int, state: dict, text: str = "") -> PublishResult | None:
        body = self.call_json("GET", "publications", params={"post_id": post_id})
        return PublishResult(external_id=str(body["id"])) if body.get("id") else None
