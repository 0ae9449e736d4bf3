"""Throttling of token-authenticated requests (other systems); sessions are not throttled.
The rate is REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"]."""

from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, Token):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
