"""Web Push: the chat reaches a person's devices while every tab of theirs is closed or
hidden (the sending is ``chat.people.push_delivery``; this holds the keys and the rules).

**The keys.** The chat signs every push with one VAPID key pair, made on first need and
kept in the ``Instance`` row: the private key as PEM, the public one as browsers want it
(an uncompressed P-256 point, base64url). Two processes making it at once both try one
conditional UPDATE (where the column is still empty): one wins, both use the winner's.
``manage.py vapid_keys --rotate`` makes a new pair; subscriptions made with the old one
stop working, so it forgets them (each browser subscribes again on its next visit).

**Subscriptions.** A browser's subscription (``POST /push/subscriptions``) is its push
service's endpoint (an https URL, called later by the server: vetted like any URL a person
gives, ``chat.fetching``) and its keys. A person keeps at most
``SUBSCRIPTIONS_PER_PERSON`` and subscribes at most ``SUBSCRIBING`` times an hour. An
endpoint belongs to one browser: subscribing it again (another person signed in there)
moves it to whoever subscribed last. Only its owner deletes it.

``CHAT_PUSH=0`` turns all of it off: no subscription is taken and nothing is sent.
"""

from __future__ import annotations

import base64
import logging

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction

from chat import ratelimit
from chat.errors import Forbidden, NotFound, validated
from chat.models import Instance, PushSubscription
from chat.people import instance
from chat.people.push_forms import EndpointForm, SubscriptionForm

logger = logging.getLogger(__name__)

#: Devices one person keeps subscribed.
SUBSCRIPTIONS_PER_PERSON = 20
CACHE_KEY = "push:vapid-public:v1"
TOO_MANY = "Notifications are on for {limit} devices of yours already; turn them off on one first."
PUSH_OFF = "Notifications on closed devices are turned off on this chat."
SUBSCRIBING = ratelimit.Rate(
    "push-subscribe",
    30,
    3600,
    "You turned notifications on many times in a short time. Try again in {wait}.",
)


def enabled() -> bool:
    """Whether Web Push is on (``CHAT_PUSH``), read at every call."""
    return bool(settings.CHAT_PUSH)


def _new_pair() -> tuple[str, str]:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return pem, base64.urlsafe_b64encode(point).rstrip(b"=").decode("ascii")


def keys() -> tuple[str, str]:
    """The VAPID key pair (private PEM, public base64url), made and kept on first need.

    Race-safe across processes: the pair is written only where none is stored yet, and
    whoever lost reads the winner's."""
    row = instance.row()
    if not row.vapid_private_key:
        pem, public = _new_pair()
        Instance.objects.filter(pk=row.pk, vapid_private_key="").update(
            vapid_private_key=pem, vapid_public_key=public
        )
        row.refresh_from_db(fields=["vapid_private_key", "vapid_public_key"])
    return row.vapid_private_key, row.vapid_public_key


def public_key() -> str:
    """The public VAPID key the pages subscribe with (kept in the cache: every profile
    page shows it)."""
    try:
        found = cache.get(CACHE_KEY)
    except Exception as error:
        logger.warning("public push key: the cache failed (%r)", error)
        found = None
    if found:
        return found
    found = keys()[1]
    try:
        cache.set(CACHE_KEY, found, None)
    except Exception as error:
        logger.warning("the public push key was not cached (%r)", error)
    return found


def rotate() -> str:
    """A new key pair in place of the old, and every subscription forgotten (they were
    made for the old public key and would be refused); the new public key."""
    pem, public = _new_pair()
    with transaction.atomic():
        instance.row()
        Instance.objects.filter(pk=instance.PK).update(
            vapid_private_key=pem, vapid_public_key=public
        )
        PushSubscription.objects.all().delete()
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))
    return public


def subscription_fields(data: object) -> dict:
    """The form's fields from a subscription as the browser gives it
    (``{"endpoint": …, "keys": {"p256dh": …, "auth": …}}``): whatever is missing or of
    the wrong kind is left out, for the form to name."""
    if not isinstance(data, dict):
        return {}
    fields = {}
    keys_given = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    for name, value in (
        ("endpoint", data.get("endpoint")),
        ("p256dh", keys_given.get("p256dh")),
        ("auth", keys_given.get("auth")),
    ):
        if isinstance(value, str):
            fields[name] = value
    return fields


def subscribe(user: AbstractBaseUser, data: object, user_agent: str = "") -> PushSubscription:
    """Keep the browser subscription ``data`` (its JSON, parsed) for ``user``.

    Raises ``Invalid`` for a malformed one, ``Forbidden`` past the cap or with push
    off, ``TooFast`` past the rate."""
    if not enabled():
        raise Forbidden(PUSH_OFF)
    form = validated(SubscriptionForm, subscription_fields(data))
    ratelimit.take(SUBSCRIBING, user.pk)
    endpoint = form.cleaned_data["endpoint"]
    with transaction.atomic():
        # The person's row, locked: two subscriptions at once both see the other's count.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        mine = PushSubscription.objects.filter(user=user).exclude(endpoint=endpoint).count()
        if mine >= SUBSCRIPTIONS_PER_PERSON:
            raise Forbidden(TOO_MANY.format(limit=SUBSCRIPTIONS_PER_PERSON))
        subscription, _made = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={
                "user": user,
                "p256dh": form.cleaned_data["p256dh"],
                "auth": form.cleaned_data["auth"],
                "user_agent": user_agent[:300],
            },
        )
    return subscription


def unsubscribe(user: AbstractBaseUser, data: object) -> None:
    """Forget ``user``'s subscription of the endpoint in ``data``; ``NotFound`` when they
    hold none there (someone else's is not theirs to delete)."""
    fields = subscription_fields(data)
    form = validated(EndpointForm, {"endpoint": fields.get("endpoint", "")})
    deleted, _ = PushSubscription.objects.filter(
        user=user, endpoint=form.cleaned_data["endpoint"]
    ).delete()
    if not deleted:
        raise NotFound("No such subscription.")
