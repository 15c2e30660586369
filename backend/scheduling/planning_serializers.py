"""Request and response bodies of the planning endpoints (slots, series, webhooks, import, best times)."""
from __future__ import annotations

import re

from rest_framework import serializers

from backend.accounts.serializers import validate_timezone_name
from backend.social.models import SocialAccount

from .serializers import LocalDateTimeField, MemberObjectField

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
        from django.utils import timezone

        if timezone.is_naive(value):
            raise serializers.ValidationError("This time has no UTC offset: add one (e.g. +05:30).")
        if not 1970 <= value.year <= 2999:
            raise serializers.ValidationError("Dates must be between 1970 and 2999.")
        return value


class NextSlotOutput(serializers.Serializer):
    scheduled_time = serializers.DateTimeField()
