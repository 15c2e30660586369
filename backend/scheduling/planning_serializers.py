"""Request and response bodies of the planning endpoints (slots, series, webhooks, import, best times)."""
from __future__ import annotations

import re
import zoneinfo

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.accounts.fields import MemberObjectField, MemberOrganizationField
from backend.accounts.serializers import validate_timezone_name
from backend.assets.models import MediaAsset
from backend.social.models import SocialAccount
from backend.social.serializers import HashtagsField

from .models import PostSeries
from .series import upcoming
from .serializers import LocalDateTimeField

SLOT_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class SlotField(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="Monday 0 … Sunday 6")
    time = serializers.CharField(max_length=5, help_text="HH:MM, 24-hour, in the slots' timezone")

    def validate_time(self, value: str) -> str:
        if not SLOT_TIME.match(value):
            raise serializers.ValidationError("Use HH:MM (24-hour), e.g. 09:00.")
        return value


class SlotsBody(serializers.Serializer):
    timezone = serializers.CharField(max_length=64, validators=[validate_timezone_name])
    slots = SlotField(many=True, max_length=7 * 48)


class NextSlotQuery(serializers.Serializer):
    social_account = MemberObjectField(model=SocialAccount)
    after = LocalDateTimeField(required=False, help_text="ISO 8601 with offset; default now")

    def validate_after(self, value):
        if timezone.is_naive(value):
            raise serializers.ValidationError("This time has no UTC offset: add one (e.g. +05:30).")
        if not 1970 <= value.year <= 2999:
            raise serializers.ValidationError("Dates must be between 1970 and 2999.")
        return value


class NextSlotOutput(serializers.Serializer):
    scheduled_time = serializers.DateTimeField()


class SeriesInput(serializers.Serializer):
    organization = MemberOrganizationField(required=False)
    social_account = MemberObjectField(model=SocialAccount)
    caption = serializers.CharField(required=False, allow_blank=True, default="", max_length=70000, trim_whitespace=False)
    hashtags = HashtagsField(required=False, default=list)
    asset_id = MemberObjectField(model=MediaAsset, required=False, allow_null=True, default=None)
    first_comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=8000, trim_whitespace=False)
    rrule = serializers.CharField(max_length=500, help_text="RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=FR;COUNT=6")
    dtstart = LocalDateTimeField(help_text="First occurrence; without an offset it is read in `timezone`")
    timezone = serializers.CharField(max_length=64, validators=[validate_timezone_name])

    def validate(self, data):
        return _resolve_dtstart(data)

    def service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        return {"asset": data.pop("asset_id"), "timezone_name": data.pop("timezone"), **data}


class SeriesUpdateInput(serializers.Serializer):
    caption = serializers.CharField(required=False, allow_blank=True, max_length=70000, trim_whitespace=False)
    hashtags = HashtagsField(required=False)
    asset_id = MemberObjectField(model=MediaAsset, required=False, allow_null=True)
    first_comment = serializers.CharField(required=False, allow_blank=True, max_length=8000, trim_whitespace=False)
    rrule = serializers.CharField(required=False, max_length=500)
    dtstart = LocalDateTimeField(required=False)
    timezone = serializers.CharField(required=False, max_length=64, validators=[validate_timezone_name])

    def __init__(self, *args, series=None, **kwargs):
        self.series = series
        super().__init__(*args, **kwargs)

    def validate(self, data):
        if "dtstart" in data:
            data.setdefault("timezone", self.series.timezone if self.series else "")
            data = _resolve_dtstart(data)
        if "asset_id" in data:
            data["asset"] = data.pop("asset_id")
        return data


def _resolve_dtstart(data: dict) -> dict:
    when = data["dtstart"]
    if not 1970 <= when.year <= 2999:
        raise serializers.ValidationError({"dtstart": ["Dates must be between 1970 and 2999."]})
    if timezone.is_naive(when):
        when = when.replace(tzinfo=zoneinfo.ZoneInfo(data["timezone"]))
    data["dtstart"] = when.astimezone(zoneinfo.ZoneInfo("UTC"))
    return data


class SeriesOutput(serializers.ModelSerializer):
    hashtags = serializers.ListField(child=serializers.CharField(), read_only=True)
    asset_id = serializers.PrimaryKeyRelatedField(source="asset", read_only=True, allow_null=True)
    next_occurrences = serializers.SerializerMethodField(help_text="The next few occurrences (UTC)")

    class Meta:
        model = PostSeries
        fields = [
            "id", "organization", "social_account", "caption", "hashtags", "asset_id", "first_comment", "rrule", "dtstart",
            "timezone", "status", "created_by", "created_at", "updated_at", "next_occurrences",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.DateTimeField()))
    def get_next_occurrences(self, series: PostSeries) -> list:
        if series.status != PostSeries.Status.ACTIVE:
            return []
        return [moment.isoformat() for moment in upcoming(series=series)]


class ImportInput(serializers.Serializer):
    file = serializers.FileField(help_text="CSV, UTF-8 with or without BOM, `,` or `;` separated; header row first")
    dry_run = serializers.BooleanField(required=False, default=False)


class ImportProblemOutput(serializers.Serializer):
    row = serializers.IntegerField(help_text="As a spreadsheet numbers it: the header is row 1")
    field = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class ImportReportOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    rows = serializers.IntegerField(help_text="Data rows read (the header not counted)")
    problems = ImportProblemOutput(many=True)


class ImportCreatedOutput(serializers.Serializer):
    created = serializers.IntegerField()
    post_ids = serializers.ListField(child=serializers.IntegerField())


class BestTimesQuery(serializers.Serializer):
    social_account = MemberObjectField(model=SocialAccount)
    limit = serializers.IntegerField(required=False, default=5, min_value=1, max_value=168)


class BestSlotOutput(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="Monday 0 … Sunday 6, in `timezone`")
    hour = serializers.IntegerField(help_text="0-23, in `timezone`")
    score = serializers.FloatField(help_text="1.0 = the account's typical post; higher is better")
    posts = serializers.IntegerField(help_text="Posts behind this score (0 in the fallback)")


class BestTimesOutput(serializers.Serializer):
    social_account = serializers.IntegerField()
    timezone = serializers.CharField()
    based_on_posts = serializers.IntegerField()
    fallback = serializers.BooleanField(help_text="True: too few posts with metrics; general default slots")
    slots = BestSlotOutput(many=True)
