"""Placeholder until the channel-token authentication lands: authenticates nobody."""

from rest_framework.authentication import BaseAuthentication


class ChannelTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):  # type: ignore[no-untyped-def]
        return None
