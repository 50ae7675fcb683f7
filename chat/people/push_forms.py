"""The form of a browser's Web Push subscription (``chat.people.push``): what
``PushManager.subscribe()`` gives, flattened (``endpoint``, ``p256dh``, ``auth``)."""

from __future__ import annotations

import base64
import binascii
import re

from django import forms
from django.conf import settings

from chat import fetching

ENDPOINT_MAX_CHARS = 1000
#: An uncompressed P-256 point (0x04, x, y) and a 16-byte auth secret, base64url.
P256DH_BYTES = 65
AUTH_BYTES = 16
BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")

NOT_HTTPS = "A push endpoint must be an https URL."
NOT_CALLABLE = "This push endpoint cannot be used: {why}."
BAD_KEY = "The subscription's {name} key is not valid."


def decoded(value: str) -> bytes | None:
    """``value`` decoded from base64url (padding optional), or None if it is not that."""
    if not BASE64URL.match(value):
        return None
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        return None


class SubscriptionForm(forms.Form):
    """A subscription to keep: an https endpoint the chat may call, and well-formed keys."""

    endpoint = forms.CharField(max_length=ENDPOINT_MAX_CHARS, strip=False)
    p256dh = forms.CharField(max_length=100, strip=False)
    auth = forms.CharField(max_length=40, strip=False)

    def clean_endpoint(self) -> str:
        endpoint = self.cleaned_data["endpoint"]
        plain_allowed = settings.CHAT_PUSH_ALLOW_PRIVATE_URLS and endpoint.startswith("http://")
        if not endpoint.startswith("https://") and not plain_allowed:
            raise forms.ValidationError(NOT_HTTPS)
        # Judged without a DNS lookup here; every push vets the address again.
        why = None if settings.CHAT_PUSH_ALLOW_PRIVATE_URLS else fetching.url_problem(endpoint)
        if why is not None:
            raise forms.ValidationError(NOT_CALLABLE.format(why=why))
        return endpoint

    def clean_p256dh(self) -> str:
        key = decoded(self.cleaned_data["p256dh"])
        if key is None or len(key) != P256DH_BYTES or key[0] != 4:
            raise forms.ValidationError(BAD_KEY.format(name="p256dh"))
        return self.cleaned_data["p256dh"]

    def clean_auth(self) -> str:
        key = decoded(self.cleaned_data["auth"])
        if key is None or len(key) != AUTH_BYTES:
            raise forms.ValidationError(BAD_KEY.format(name="auth"))
        return self.cleaned_data["auth"]


class EndpointForm(forms.Form):
    """Which subscription to forget: its endpoint."""

    endpoint = forms.CharField(max_length=ENDPOINT_MAX_CHARS, strip=False)
