"""Fixtures for the platform adapter tests: a fake platform server and settings pointing at it."""
from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from backend.social.platforms.base import Credentials, MediaItem, PublishRequest
from tests.fakes.platform_server import FakePlatform
from tests.fakes.platforms import ALL_OBSERVERS, ALL_RULES

TOKEN = "EAAGm0PX4ZCpsBA-secret-access-token-0123456789"
REFRESH = "rt-secret-refresh-token-9876543210"
CLIENT_SECRET = "app-secret-abcdef123456"
JPEG = b"\xff\xd8\xff\xe0fake-jpeg-bytes\xff\xd9"


@pytest.fixture
def fake() -> Iterator[FakePlatform]:
    server = FakePlatform(rules=ALL_RULES)
    server.observers.extend(ALL_OBSERVERS)
    server.start()
    yield server
    server.stop()


def _point_at(url: str, base: str) -> str:
    if not url:
        return url
    parts, target = urlsplit(url), urlsplit(base)
    return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))


@pytest.fixture
def platforms(settings: Any, fake: FakePlatform) -> FakePlatform:
    """Every platform's URLs on the fake server, tiny timeouts and polling, test app credentials."""
    config = copy.deepcopy(settings.SOCIAL_PLATFORMS)
    for entry in config.values():
        for key in ("base_url", "authorize_url", "token_url", "video_base_url"):
            if key in entry:
                entry[key] = _point_at(entry[key], fake.url)
        entry["client_id"] = "app-client-id"
        entry["client_secret"] = CLIENT_SECRET
    settings.SOCIAL_PLATFORMS = config
    settings.SOCIAL_HTTP_TIMEOUT_SECONDS = 0.5
    settings.SOCIAL_POLL_INTERVAL_SECONDS = 0.0
    settings.SOCIAL_POLL_MAX_ATTEMPTS = 4
    return fake


class StateLog:
    """A `save_state` that keeps a copy of every checkpoint and how many requests preceded it."""

    def __init__(self, fake: FakePlatform) -> None:
        self.fake = fake
        self.saved: list[tuple[int, dict[str, Any]]] = []

    def __call__(self, state: dict[str, Any]) -> None:
        self.saved.append((len(self.fake.requests), copy.deepcopy(state)))


@pytest.fixture
def state_log(fake: FakePlatform) -> StateLog:
    return StateLog(fake)


@pytest.fixture
def image(tmp_path: Any) -> MediaItem:
    path = tmp_path / "offer.jpg"
    path.write_bytes(JPEG)
    return MediaItem(url="https://cdn.postloom.test/media/offer.jpg", path=str(path), content_type="image/jpeg")


def make_request(
    *,
    text: str = "Diwali offer: 20% off silk sarees",
    media: list[MediaItem] | None = None,
    external_id: str = "1234567890",
    handle: str = "silkhouse",
    metadata: dict[str, Any] | None = None,
    state: dict[str, Any] | None = None,
    save_state: Any = None,
    options: dict[str, Any] | None = None,
) -> PublishRequest:
    credentials = Credentials(
        account_id=7,
        handle=handle,
        external_id=external_id,
        access_token=TOKEN,
        refresh_token=REFRESH,
        metadata=metadata or {},
    )
    return PublishRequest(
        post_id=42,
        text=text,
        credentials=credentials,
        media=media or [],
        state=state if state is not None else {},
        save_state=save_state or (lambda s: None),
        options=options or {},
    )
