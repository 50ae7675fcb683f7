"""The installable app and Web Push over HTTP (``chat.views.push``): the manifest naming
the instance, the service worker served for the whole site, and ``/push/subscriptions``
(POST 201, DELETE 204, JSON refusals, CSRF, signed in only)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from chat.models import Instance, PushSubscription
from chat.people import instance, push
from tests.support.push_service import Device

pytestmark = pytest.mark.django_db

URL = "/push/subscriptions"


@pytest.fixture(autouse=True)
def push_on(settings):
    settings.CHAT_PUSH = True
    settings.CHAT_PUSH_ALLOW_PRIVATE_URLS = False


def device(name: str = "phone") -> Device:
    return Device(f"https://push.example.com/send/{name}")


def send(client: Client, method: str, data: object, **extra):
    body = data if isinstance(data, str) else json.dumps(data)
    call = client.post if method == "POST" else client.delete
    return call(URL, body, content_type="application/json", **extra)


# --- the installable app ----------------------------------------------------------------------


def test_the_manifest_names_the_instance_and_its_icons(client):
    Instance.objects.update_or_create(pk=instance.PK, defaults={"name": "Acme chat"})
    instance.forget()

    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Acme chat"
    where = (manifest["start_url"], manifest["scope"], manifest["display"])
    assert where == ("/", "/", "standalone")
    assert manifest["theme_color"].startswith("#")
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert sizes == {(s, p) for s in ("192x192", "512x512") for p in ("any", "maskable")}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_every_page_links_the_manifest(alice, login):
    page = login(alice).get("/").content.decode()

    assert '<link rel="manifest" href="/manifest.webmanifest">' in page


def test_the_service_worker_is_served_for_the_whole_site(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    assert "Content-Security-Policy" in response
    body = b"".join(response) if response.streaming else response.content
    assert b'addEventListener("push"' in body
    assert b'addEventListener("notificationclick"' in body


def test_the_profile_page_holds_the_push_switch_with_the_public_key(alice, login):
    page = login(alice).get("/accounts/profile/").content.decode()

    assert 'id="push-switch"' in page
    assert f'data-key="{push.public_key()}"' in page
    assert "Also on this device when the chat is closed" in page


def test_push_turned_off_shows_no_switch(alice, login, settings):
    settings.CHAT_PUSH = False

    page = login(alice).get("/accounts/profile/").content.decode()

    assert 'id="push-switch"' not in page


# --- subscriptions ----------------------------------------------------------------------------


def test_a_subscription_is_kept_and_forgotten(alice, login):
    client = login(alice)
    phone = device()

    made = send(client, "POST", phone.subscription, HTTP_USER_AGENT="Firefox on a phone")
    assert made.status_code == 201
    kept = PushSubscription.objects.get()
    assert (kept.user, kept.endpoint) == (alice, phone.endpoint)
    assert kept.user_agent == "Firefox on a phone"

    gone = send(client, "DELETE", phone.subscription)
    assert gone.status_code == 204
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "data, error",
    [
        ("not json", "required"),
        ({"endpoint": "https://push.example.com/x", "keys": {}}, "required"),
        ("[]", "required"),
    ],
)
def test_a_malformed_subscription_is_a_400_that_says_why(alice, login, data, error):
    response = send(login(alice), "POST", data)

    assert response.status_code == 400
    assert error in response.json()["error"]
    assert not PushSubscription.objects.exists()


def test_a_plain_http_endpoint_is_refused(alice, login):
    subscription = device().subscription
    subscription["endpoint"] = "http://push.example.com/send/phone"

    response = send(login(alice), "POST", subscription)

    assert response.status_code == 400
    assert response.json()["error"] == "A push endpoint must be an https URL."


def test_someone_elses_subscription_cannot_be_deleted(alice, bob, login):
    phone = device()
    assert send(login(alice), "POST", phone.subscription).status_code == 201

    response = send(login(bob), "DELETE", phone.subscription)

    assert response.status_code == 404
    assert PushSubscription.objects.filter(user=alice).exists()


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_subscriptions_need_the_csrf_token(alice, method):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = send(client, method, device().subscription)

    assert response.status_code == 403
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_signed_out_is_refused(client, method):
    response = send(client, method, device().subscription)

    assert response.status_code == 401
    assert not PushSubscription.objects.exists()


def test_a_get_changes_nothing(alice, login):
    assert login(alice).get(URL).status_code == 405
