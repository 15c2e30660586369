"""JSON answers for errors Django itself handles before any view: a bad request, a refusal.

(An unknown path and a crash are answered by backend.core.outages.)

The API speaks JSON everywhere: a client that gets `{"detail", "code"}` from every view must not get
Django's HTML page for an unknown path, a refused Host header or a body it could not parse.
"""
from django.http import JsonResponse


def bad_request(request, exception=None):
    return JsonResponse({"detail": "The request is malformed.", "code": "bad_request"}, status=400)


def permission_denied(request, exception=None):
    return JsonResponse({"detail": "You do not have permission to perform this action.", "code": "permission_denied"}, status=403)
