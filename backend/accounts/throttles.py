"""Login is throttled per client address (scope `auth`) and per account named (`login_account`)."""
from __future__ import annotations

import hashlib

from rest_framework.throttling import SimpleRateThrottle


class LoginAccountThrottle(SimpleRateThrottle):
    """Counts sign-in attempts per email address, whatever address they come from.

    Spreading guesses over many client addresses (a botnet, or proxies) does not buy more guesses
    at one account. The key is a hash: emails are not written to the cache in clear.
    """

    scope = "login_account"

    def get_cache_key(self, request, view):
        try:
            email = request.data.get("email")
        except AttributeError:  # a JSON list or scalar body
            return None
        if not isinstance(email, str) or not email.strip():
            return None
        ident = hashlib.sha256(email.strip().lower().encode("utf-8", "replace")).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
