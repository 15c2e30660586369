from django.http import JsonResponse


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
