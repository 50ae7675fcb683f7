"""Security headers, the Content-Security-Policy (in a real browser too), and production
settings with ``check --deploy``. Sign-in limits: test_views_accounts.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.support import REPO
from tests.support.accounts import PASSWORD

SECRET = "test-only-" + "s3cr3t-" * 8  # 50+ characters, not Django's insecure prefix


# --- headers on every page ------------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_pages_carry_a_content_security_policy_without_inline_script(db) -> None:
    response = Client().get("/accounts/login/")

    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]  # no inline style on this page: no nonce
    assert directives["connect-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]


def test_the_one_inline_style_carries_the_policys_nonce(login, alice) -> None:
    response = login(alice).get("/")

    style_src = csp_directives(response)["style-src"]
    nonces = [value for value in style_src if value.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    html = response.content.decode()
    assert f'<style nonce="{nonce}">.message[data-author="{alice.pk}"]' in html
    assert html.count("<style") == 1
    assert "<script>" not in html and "<script nonce" not in html


def test_a_new_nonce_for_every_response(login, alice) -> None:
    client = login(alice)

    first, second = (csp_directives(client.get("/"))["style-src"] for _ in range(2))

    assert first != second


def test_htmx_is_told_not_to_inject_its_indicator_style(db) -> None:
    html = Client().get("/accounts/login/").content.decode()

    meta = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'>', html)
    assert meta, "htmx-config meta tag missing"
    assert json.loads(meta[1])["includeIndicatorStyles"] is False
    assert html.index('name="htmx-config"') < html.index("htmx-2"), "config must precede htmx"


def test_debug_mode_does_not_load_the_page_replacing_error_helper(db, settings) -> None:
    # django-htmx's debug script swaps the whole document for any 400/403/404 answer;
    # ours are forms with their error, meant for the form's place.
    settings.DEBUG = True
    html = Client().get("/accounts/login/").content.decode()

    assert "htmx-2.min.js" in html and "hx-ws-2.min.js" in html
    assert "django-htmx.js" not in html


def test_referrer_policy_and_framing(db) -> None:
    response = Client().get("/accounts/login/")

    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


# --- production settings, in fresh processes ---------------------------------------------


def run_in_env(args: list[str], **env: str) -> subprocess.CompletedProcess:
    ours = ("DJANGO_", "DATABASE_", "REDIS_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": SECRET,
    "DJANGO_ALLOWED_HOSTS": "chat.example.org",
}

PROBE = """
import json, manage, django
django.setup()
from django.conf import settings
from django.test import Client

client = Client(HTTP_HOST="chat.example.org")
plain = client.get("/no-such-page")
secure = client.get("/no-such-page", secure=True)
forwarded = client.get("/no-such-page", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "hsts": secure.get("Strict-Transport-Security"),
    "forwarded": forwarded.status_code,
    "cookies_secure": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "storage": settings.STORAGES["staticfiles"]["BACKEND"],
    "static_root": str(settings.STATIC_ROOT),
}))
"""


def probe(**env: str) -> dict:
    result = run_in_env(["-c", PROBE], **{**PRODUCTION, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_deploy_check_reports_no_issues_with_production_settings() -> None:
    result = run_in_env(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_still_sees_a_weak_secret_key() -> None:
    # The check is not silenced wholesale: a real problem is still reported.
    result = run_in_env(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **{**PRODUCTION, "DJANGO_SECRET_KEY": "short"},
    )

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_production_redirects_to_https_and_sends_hsts() -> None:
    seen = probe()

    assert seen["plain"] == [301, "https://chat.example.org/no-such-page"]
    assert seen["hsts"] == "max-age=31536000; includeSubDomains"
    assert seen["cookies_secure"] == [True, True]
    assert seen["storage"] == "site.static_storage.StaticFilesStorage"
    # X-Forwarded-Proto is not trusted unless asked for.
    assert seen["forwarded"] == 301


def test_ssl_redirect_can_be_turned_off_for_plain_http_servers() -> None:
    seen = probe(DJANGO_SECURE_SSL_REDIRECT="0")

    assert seen["plain"] == [404, None]


def test_trusting_the_proxys_forwarded_proto() -> None:
    seen = probe(DJANGO_TRUST_X_FORWARDED_PROTO="1")

    assert seen["forwarded"] == 404  # seen as https: no redirect
    assert seen["plain"][0] == 301


def test_hsts_settings_from_the_environment() -> None:
    seen = probe(DJANGO_HSTS_SECONDS="600", DJANGO_HSTS_PRELOAD="1")

    assert seen["hsts"] == "max-age=600; includeSubDomains; preload"


def test_static_root_from_the_environment(tmp_path: Path) -> None:
    seen = probe(DJANGO_STATIC_ROOT=str(tmp_path / "collected"))

    assert seen["static_root"] == str(tmp_path / "collected")


# --- the policy in a real browser ------------------------------------------------------

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def production_server(tmp_path: Path):
    from tests.support.live_server import LiveServer, running

    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_SECURE_SSL_REDIRECT": "0",  # plain http on loopback
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    server = LiveServer(tmp_path / "chat.sqlite3", env=env)
    server.manage("collectstatic", "--no-input", "-v0")
    with running(server):
        yield server


@pytest.mark.browser
def test_the_chat_works_in_a_browser_under_the_policy(production_server) -> None:
    from playwright.sync_api import expect

    from tests.support.chromium import launched_chromium

    server = production_server
    console: list[str] = []
    with launched_chromium() as browser:
        context = browser.new_context(base_url=server.url)
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        page.goto("/accounts/signup/")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password1]", PASSWORD)
        page.fill("input[name=password2]", PASSWORD)
        page.get_by_role("button", name="Sign up").click()
        expect(page).to_have_url(f"{server.url}/")

        form = page.locator("#room-form")
        form.locator("input[name=title]").fill("Lunch")
        form.locator("input[name=kind][value=public]").check()
        form.get_by_role("button", name="Create room").click()
        expect(page).to_have_url(f"{server.url}/r/lunch/")
        # The socket opened: connect-src 'self' covers ws:// to the same host and port.
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")

        composer = page.locator("#composer textarea[name=body]")
        composer.press_sequentially("hello under CSP")
        composer.press("Enter")
        message = page.locator("#messages article.message").filter(has_text="hello under CSP")
        expect(message).to_have_count(1)
        expect(composer).to_have_value("")
        # The nonce'd inline <style> applied: the page marks its viewer's own messages.
        mine = message.evaluate("node => getComputedStyle(node).getPropertyValue('--mine')")
        assert mine.strip() == "1"

        assert page.evaluate("window.__violations") == []
        assert [text for text in console if "Content Security Policy" in text] == []
        assert errors == []

        # And the policy is really enforced: an injected inline script does not run.
        page.evaluate(
            """() => {
              const script = document.createElement("script");
              script.textContent = "window.__injected = true;";
              document.head.appendChild(script);
            }"""
        )
        assert page.evaluate("window.__injected === undefined")
        assert any(v.startswith("script-src") for v in page.evaluate("window.__violations"))
