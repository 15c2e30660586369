from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse

from .uploads import largest_upload


def request_too_large_response(*, limit: int) -> JsonResponse:
    return JsonResponse(
        {"detail": f"The request body is larger than the limit of {limit} bytes.", "code": "request_too_large", "limit": limit},
        status=413,
    )


def body_limit(content_type: str, path: str = "") -> int:
    """The most a request of this type may declare: form data, plus one file for multipart (a
    video's limit on the endpoints that take videos; SizeLimitedUploadHandler holds each file to
    its own kind's limit)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if content_type.lower().startswith("multipart/"):
        limit += largest_upload(path)
    return limit


class RequestSizeLimitMiddleware:
    """Refuses a body over the limit from its Content-Length, before a byte of it is read or spooled.

    Django reads at most Content-Length bytes (a body without one is empty), so the declared length
    is the most that can arrive. Limits Django raises later (form fields, request.body) answer in
    the same JSON shape instead of its HTML error page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            return JsonResponse({"detail": "Content-Length is not a number of bytes.", "code": "invalid_request"}, status=400)
        limit = body_limit(request.META.get("CONTENT_TYPE", ""), request.path)
        if length > limit:
            return request_too_large_response(limit=limit)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return request_too_large_response(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        if isinstance(exception, (TooManyFieldsSent, TooManyFilesSent)):
            return JsonResponse({"detail": str(exception), "code": "too_many_fields"}, status=400)
        return None


class RejectNullBytesMiddleware:
    """NUL characters in a path or query string are never meaningful and cannot be stored: 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.META.get("QUERY_STRING", ""):
            return JsonResponse(
                {"detail": "The address contains a NUL character.", "code": "invalid_request"}, status=400
            )
        return self.get_response(request)
