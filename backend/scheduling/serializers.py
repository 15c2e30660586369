from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.accounts.fields import MemberObjectField, MemberOrganizationField
from backend.accounts.serializers import validate_timezone_name
from backend.core.datetimes import BoundedDateTimeField
from backend.core.serializer_fields import BoundedListField
from backend.assets.models import MediaAsset
from backend.core.serializers import FastOutput, JSONObjectField
from backend.social.models import SocialAccount
from backend.social.platforms.registry import all_services
from backend.social.serializers import HashtagsField, PlatformField

from .models import PublishAttempt, ScheduledPost



class LocalDateTimeField(BoundedDateTimeField):
    """A date-time that keeps a missing offset visible, so the post's timezone can decide it."""

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_naive(value):
            return value
        try:
            return value.astimezone(zoneinfo.ZoneInfo("UTC"))
        except OverflowError:
            self.fail("out_of_range")


class ScheduleTimeMixin:
    """Interprets `scheduled_time` with `timezone` and requires it to be in the future."""

    def validate_timezone(self, value: str) -> str:
        return validate_timezone_name(value) if value else value

    def resolve_scheduled_time(self, data: dict, *, fallback_timezone: str = "") -> dict:
        when = data.get("scheduled_time")
        if when is None:
            return data
        name = data.get("timezone") or fallback_timezone
        if timezone.is_naive(when):
            if not name:
                raise serializers.ValidationError(
                    {"scheduled_time": ["This time has no UTC offset: add one (e.g. +05:30) or give a timezone."]}
                )
            when = when.replace(tzinfo=zoneinfo.ZoneInfo(name))
        try:
            when = when.astimezone(zoneinfo.ZoneInfo("UTC"))
        except OverflowError:
            raise serializers.ValidationError({"scheduled_time": ["This date is out of range."]}) from None
        if when <= timezone.now():
            raise serializers.ValidationError({"scheduled_time": ["The scheduled time must be in the future."]})
        data["scheduled_time"] = when
        return data


class PostInput(ScheduleTimeMixin, serializers.Serializer):
    organization = MemberOrganizationField(required=False)
    social_account = MemberObjectField(model=SocialAccount)
    caption = serializers.CharField(required=False, allow_blank=True, default="", max_length=70000, trim_whitespace=False)
    hashtags = HashtagsField(required=False, default=list)
    asset_id = MemberObjectField(model=MediaAsset, required=False, allow_null=True, default=None)
    scheduled_time = LocalDateTimeField(required=False, help_text="Required unless `queue` is true.")
    queue = serializers.BooleanField(required=False, default=False, help_text="Take the account's next free posting slot instead of `scheduled_time`.")
    timezone = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    status = serializers.ChoiceField(choices=[("draft", "Draft")], required=False, help_text="Only `draft` may be given.")
    max_retries = serializers.IntegerField(required=False, min_value=0, max_value=10)
    metadata = JSONObjectField(required=False, default=dict, help_text="Free-form data kept with the post.")
    first_comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=8000, trim_whitespace=False,
                                          help_text="Published as a comment (X: a reply) after the post succeeds.")

    def validate(self, data):
        if data.get("queue") and "scheduled_time" in data:
            raise serializers.ValidationError({"queue": ["Give either `queue: true` or `scheduled_time`, not both."]})
        if not data.get("queue") and "scheduled_time" not in data:
            raise serializers.ValidationError({"scheduled_time": ["This field is required (or set `queue: true`)."]})
        return self.resolve_scheduled_time(data)

    def service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        data.pop("queue", None)
        return {
            "organization": data.pop("organization", None),
            "social_account": data.pop("social_account"),
            "asset": data.pop("asset_id"),
            "timezone_name": data.pop("timezone"),
            "draft": data.pop("status", None) == "draft",
            **data,
        }


class PostUpdateInput(ScheduleTimeMixin, serializers.Serializer):
    social_account = MemberObjectField(model=SocialAccount)
    caption = serializers.CharField(allow_blank=True, max_length=70000, trim_whitespace=False)
    hashtags = HashtagsField()
    asset_id = MemberObjectField(model=MediaAsset, allow_null=True)
    scheduled_time = LocalDateTimeField()
    timezone = serializers.CharField(allow_blank=True, max_length=64)
    max_retries = serializers.IntegerField(min_value=0, max_value=10)
    metadata = JSONObjectField(help_text="Free-form data kept with the post.")
    first_comment = serializers.CharField(allow_blank=True, max_length=8000, trim_whitespace=False)

    def __init__(self, *args, post: ScheduledPost | None = None, **kwargs):
        self.post = post
        super().__init__(*args, **kwargs)
        if not self.partial:  # PUT: the essentials must be given, the rest keeps its defaults
            for name in ("hashtags", "asset_id", "timezone", "max_retries", "metadata", "first_comment"):
                self.fields[name].required = False

    def validate(self, data):
        return self.resolve_scheduled_time(data, fallback_timezone=self.post.timezone if self.post else "")

    def service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        if "asset_id" in data:
            data["asset"] = data.pop("asset_id")
        return data


def platform_keys() -> set[str]:
    return {service.platform for service in all_services()}


class VariantInput(serializers.Serializer):
    """What differs for one account or one platform; a field left out takes the shared value."""

    caption = serializers.CharField(required=False, allow_blank=True, max_length=70000, trim_whitespace=False)
    hashtags = HashtagsField(required=False)
    asset_id = MemberObjectField(model=MediaAsset, required=False, allow_null=True)
    first_comment = serializers.CharField(required=False, allow_blank=True, max_length=8000, trim_whitespace=False)


class BulkPostInput(ScheduleTimeMixin, serializers.Serializer):
    social_accounts = BoundedListField(child=MemberObjectField(model=SocialAccount), min_length=1, max_length=20)
    caption = serializers.CharField(required=False, allow_blank=True, default="", max_length=70000, trim_whitespace=False)
    hashtags = HashtagsField(required=False, default=list)
    asset_id = MemberObjectField(model=MediaAsset, required=False, allow_null=True, default=None)
    first_comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=8000, trim_whitespace=False)
    scheduled_time = LocalDateTimeField()
    timezone = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    variants = serializers.DictField(
        child=VariantInput(), required=False, default=dict,
        help_text='Keyed by account id ("12") or platform ("instagram"): an account\'s variant wins over its platform\'s, '
                  "which wins over the shared fields (field by field).",
    )

    def validate(self, data):
        accounts = data.get("social_accounts", [])
        platforms = {account.platform for account in accounts}
        ids = {str(account.pk) for account in accounts}
        problems = {}
        for key in data.get("variants", {}):
            if key.isdigit():
                if key not in ids:
                    problems[key] = ["This account is not in `social_accounts`."]
            elif key not in platforms:
                problems[key] = ["No account in `social_accounts` is on this platform." if key in platform_keys() else "Not an account id or a platform."]
        if problems:
            raise serializers.ValidationError({"variants": problems})
        return self.resolve_scheduled_time(data)

    def service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        variants = {
            key: {("asset" if name == "asset_id" else name): value for name, value in variant.items()}
            for key, variant in data.pop("variants").items()
        }
        return {"asset": data.pop("asset_id"), "timezone_name": data.pop("timezone"), "variants": variants, **data}


class PostOutput(FastOutput, serializers.ModelSerializer):
    platform = PlatformField(read_only=True, help_text="The account's platform.")
    hashtags = serializers.ListField(child=serializers.CharField(), read_only=True)
    metadata = JSONObjectField(read_only=True)
    permalink = serializers.SerializerMethodField()
    asset_url = serializers.SerializerMethodField()
    asset_id = serializers.PrimaryKeyRelatedField(source="asset", read_only=True, allow_null=True)

    class Meta:
        model = ScheduledPost
        fields = [
            "id", "organization", "social_account", "platform", "caption", "hashtags", "asset_id", "asset_url",
            "scheduled_time", "timezone", "status", "retry_count", "max_retries", "error_message",
            "external_post_id", "permalink", "posted_at", "created_by", "approved_by", "created_at", "updated_at",
            "metadata", "group_id", "series", "first_comment", "first_comment_status", "first_comment_id",
            "first_comment_error",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_asset_url(self, post: ScheduledPost) -> str | None:
        return post.asset.url if post.asset_id else None

    @extend_schema_field(serializers.URLField(allow_null=True, help_text="The post on the platform; null until posted."))
    def get_permalink(self, post: ScheduledPost) -> str | None:
        return post.permalink or None


class BulkPostOutput(serializers.Serializer):
    group_id = serializers.UUIDField()
    posts = PostOutput(many=True)


class CancelInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class RetryInput(ScheduleTimeMixin, serializers.Serializer):
    scheduled_time = LocalDateTimeField(required=False)
    timezone = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)

    def validate(self, data):
        return self.resolve_scheduled_time(data)


class AttemptOutput(serializers.ModelSerializer):
    class Meta:
        model = PublishAttempt
        fields = ["id", "started_at", "finished_at", "outcome", "error_code", "error_message"]


class DrainOutput(serializers.Serializer):
    processed = serializers.IntegerField()
    posted = serializers.IntegerField()
    failed = serializers.IntegerField()


def _reasonable_date(value):
    if not 1970 <= value.year <= 2999:
        raise serializers.ValidationError("Dates must be between 1970 and 2999.")
    return value


class AnalyticsInput(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    platform = PlatformField(required=False)
    organization = MemberOrganizationField(required=False)

    def validate_date_from(self, value):
        return _reasonable_date(value)

    def validate_date_to(self, value):
        return _reasonable_date(value)

    def validate(self, data):
        today = timezone.now().date()
        data.setdefault("date_to", today)
        data.setdefault("date_from", data["date_to"] - timezone.timedelta(days=29))
        if data["date_from"] > data["date_to"]:
            raise serializers.ValidationError({"date_from": ["date_from must not be after date_to."]})
        if (data["date_to"] - data["date_from"]).days > 366:
            raise serializers.ValidationError({"date_to": ["The range can span at most 366 days."]})
        return data


class PlatformFiguresOutput(serializers.Serializer):
    total = serializers.IntegerField()
    posted = serializers.IntegerField()
    failed = serializers.IntegerField()


class DailyFiguresOutput(serializers.Serializer):
    date = serializers.DateField()
    posted = serializers.IntegerField()
    failed = serializers.IntegerField()


class AnalyticsOutput(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    total_posts = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_platform = serializers.DictField(child=PlatformFiguresOutput())
    success_rate = serializers.FloatField(help_text="posted / (posted + failed), 0 when nothing finished")
    failure_rate = serializers.FloatField(help_text="failed / (posted + failed), 0 when nothing finished")
    daily = DailyFiguresOutput(many=True)


class PostMetricsOutput(serializers.Serializer):
    likes = serializers.IntegerField(allow_null=True)
    comments = serializers.IntegerField(allow_null=True)
    shares = serializers.IntegerField(allow_null=True)
    views = serializers.IntegerField(allow_null=True)
    reach = serializers.IntegerField(allow_null=True)
    impressions = serializers.IntegerField(allow_null=True)
    unavailable = serializers.CharField(
        allow_blank=True, help_text="Why figures are empty although the platform was read (e.g. a permission the account did not grant); empty otherwise."
    )
    fetched_at = serializers.DateTimeField(allow_null=True, help_text="When the platform was read; null before the first reading.")
