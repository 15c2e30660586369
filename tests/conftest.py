"""Shared fixtures: users in organizations with each role, authenticated clients, accounts, images."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from backend.accounts.models import Membership, Organization, Role, User
from backend.social.models import SocialAccount


def make_image(*, size=(1080, 1080), fmt="JPEG", color=(200, 60, 90), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def future(**delta) -> str:
    return (timezone.now() + timedelta(**(delta or {"hours": 1}))).isoformat()


class Client(APIClient):
    def as_user(self, user: User) -> "Client":
        token = RefreshToken.for_user(user).access_token
        self.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        self.user = user
        return self


@pytest.fixture
def anon() -> Client:
    return Client()


@pytest.fixture
def make_user(db):
    counter = {"n": 0}

    def make(email: str | None = None, **extra) -> User:
        counter["n"] += 1
        return User.objects.create_user(email=email or f"user{counter['n']}@example.com", password="s3cret-Passw0rd!", **extra)

    return make


@pytest.fixture
def org(db) -> Organization:
    return Organization.objects.create(name="Lakshmi Silks", timezone="Asia/Kolkata")


@pytest.fixture
def other_org(db) -> Organization:
    return Organization.objects.create(name="Other Shop")


@pytest.fixture
def member(make_user):
    def make(organization: Organization, role: str = Role.OWNER) -> User:
        user = make_user()
        Membership.objects.create(user=user, organization=organization, role=role)
        return user

    return make


@pytest.fixture
def client_for():
    def make(user: User) -> Client:
        return Client().as_user(user)

    return make


@pytest.fixture
def owner(member, org) -> User:
    return member(org, Role.OWNER)


@pytest.fixture
def owner_client(client_for, owner) -> Client:
    return client_for(owner)


@pytest.fixture
def sandbox(org, owner) -> SocialAccount:
    return SocialAccount.objects.create(organization=org, platform="sandbox", handle="@lakshmi", connected_by=owner)


@pytest.fixture
def other_sandbox(other_org) -> SocialAccount:
    return SocialAccount.objects.create(organization=other_org, platform="sandbox", handle="@other")
