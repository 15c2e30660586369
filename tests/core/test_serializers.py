"""FastOutput renders exactly what DRF's own Serializer.to_representation renders."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers

from backend.assets.models import MediaAsset
from backend.scheduling.models import ScheduledPost
from backend.scheduling.serializers import PostOutput
from tests.conftest import make_image

pytestmark = pytest.mark.django_db


def drf_output(post) -> dict:
    """The witness: DRF's generic path, with FastOutput stepped over."""
    return dict(serializers.ModelSerializer.to_representation(PostOutput(), post))


@pytest.fixture
def varied_posts(sandbox, owner, admin_user_of_org):
    from django.core.files.base import ContentFile

    asset = MediaAsset(organization_id=sandbox.organization_id, uploaded_by=owner, content_type="image/jpeg", format="JPEG", width=1080, height=1080, size=10, sha256="0" * 64)
    asset.file.save("p.jpg", ContentFile(make_image()), save=False)
    asset.save()
    now = timezone.now()
    return [
        ScheduledPost.objects.create(
            organization_id=sandbox.organization_id, social_account=sandbox, platform="sandbox", caption="Silk ✨ साड़ी",
            hashtags=["#silk", "#साड़ी"], scheduled_time=now + timedelta(hours=1), next_attempt_at=now, created_by=owner,
        ),
        ScheduledPost.objects.create(
            organization_id=sandbox.organization_id, social_account=sandbox, platform="sandbox", caption="",
            asset=asset, scheduled_time=now - timedelta(days=3), next_attempt_at=now, status=ScheduledPost.Status.POSTED,
            posted_at=now - timedelta(days=3, seconds=-2), external_post_id="sbx-1", permalink="https://example.com/p/1",
            created_by=None, approved_by=admin_user_of_org, metadata={"rate_limit_waits": 2, "nested": {"a": [1, None]}},
            group_id=uuid.uuid4(), timezone="Asia/Kolkata", error_message="", retry_count=2,
        ),
    ]


@pytest.fixture
def admin_user_of_org(member, org):
    from backend.accounts.models import Role

    return member(org, Role.ADMIN)


def test_fast_output_equals_drf_output(varied_posts):
    for post in ScheduledPost.objects.filter(pk__in=[p.pk for p in varied_posts]).select_related("asset"):
        fast = PostOutput(post).data
        assert dict(fast) == drf_output(post)
        assert list(fast) == list(drf_output(post))  # same keys, same order


def test_many_uses_the_same_rendering(varied_posts):
    posts = list(ScheduledPost.objects.filter(pk__in=[p.pk for p in varied_posts]).select_related("asset"))
    assert [dict(row) for row in PostOutput(posts, many=True).data] == [drf_output(post) for post in posts]


def test_the_plan_is_shared_by_class_but_methods_and_time_zones_are_each_instances(varied_posts, settings):
    from backend.core.serializers import FastOutput

    class WithContext(FastOutput, serializers.ModelSerializer):
        seen_by = serializers.SerializerMethodField()

        class Meta:
            model = ScheduledPost
            fields = ["id", "scheduled_time", "seen_by"]

        def get_seen_by(self, post) -> str:
            return self.context["who"]

    post = varied_posts[0]
    assert WithContext(post, context={"who": "first"}).data["seen_by"] == "first"
    assert WithContext(post, context={"who": "second"}).data["seen_by"] == "second"  # the shared plan, this instance's method
    utc = WithContext(post, context={"who": "x"}).data["scheduled_time"]
    settings.TIME_ZONE = "Asia/Kolkata"
    kolkata = WithContext(post, context={"who": "x"}).data["scheduled_time"]
    assert utc.endswith("Z") and kolkata.endswith("+05:30")  # a plan per time zone
    assert kolkata == dict(serializers.ModelSerializer.to_representation(WithContext(context={"who": "x"}), post))["scheduled_time"]
