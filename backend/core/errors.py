"""JSON answers for errors Django itself handles (no route, a bad request before any view, a crash).

The API speaks JSON everywhere: a client that gets `{"detail", "code"}` from every view must not get
Django's HTML page for an unknown path, a refused Host header or a body it could not parse.
"""
from django.http import JsonResponse


def bad_request(request, exception=None):
    return JsonResponse({"detail": "The request is malformed.", "code": "bad_request"}, status=400)


def permission_denied(request, exception=None):
    return JsonResponse({"detail": "You do not have permission to perform this action.", "code": "permission_denied"}, status=403)


def not_found(request, exception=None):
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def server_error(request):
    return JsonResponse({"detail": "An unexpected error occurred; it has been logged.", "code": "server_error"}, status=500)
