"""The API's URLs plus the bench's baseline: a bare `.values()` view.

`GET /bench/bare/?page_size=50` authenticates the same JWT the API does, reads the caller's
organization ids, and returns the first page of their posts straight from `.values()`: no
serializer, filter backends, paginator or permission classes. It is what a list costs when
nothing but the query and JSON encoding is in the way.
"""
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponseForbidden, JsonResponse
from django.urls import path
from rest_framework_simplejwt.authentication import JWTAuthentication

from backend.accounts.models import Membership
from backend.scheduling.models import ScheduledPost
from backend.urls import urlpatterns as api_urlpatterns

FIELDS = [
    "id", "organization_id", "social_account_id", "platform", "caption", "hashtags", "asset_id", "scheduled_time",
    "timezone", "status", "retry_count", "max_retries", "error_message", "external_post_id", "permalink", "posted_at",
    "created_by_id", "approved_by_id", "created_at", "updated_at", "metadata", "group_id",
]


def bare_posts(request):
    authenticated = JWTAuthentication().authenticate(request)
    if authenticated is None:
        return HttpResponseForbidden()
    user, _ = authenticated
    org_ids = list(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
    size = int(request.GET.get("page_size", 50))
    rows = list(
        ScheduledPost.objects.filter(organization_id__in=org_ids).order_by("scheduled_time", "id").values(*FIELDS)[:size]
    )
    return JsonResponse({"results": rows}, encoder=DjangoJSONEncoder)


urlpatterns = [path("bench/bare/", bare_posts), *api_urlpatterns]
