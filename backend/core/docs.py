"""The API docs pages, served from the project's own static files (drf-spectacular-sidecar)."""
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView


class OfflineRedocView(SpectacularRedocView):
    """ReDoc without Google Fonts (core/redoc.html).

    ReDoc's bundle shows its maker's logo from their CDN in the sidebar; the page's
    Content-Security-Policy keeps the browser to this server, so the page needs no network.
    """

    template_name = "core/redoc.html"
    content_security_policy = (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
    )

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = self.content_security_policy
        return response
