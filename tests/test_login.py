"""Passwords and logins (security review finding 6): Django's password validators in the admin's
own forms, and failed logins limited per account and per client IP by django-axes."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, RequestFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "grøn-kaffe-på-rådhuset"
LOCKED = (
    "Der er tastet forkert adgangskode for mange gange til denne konto eller fra denne forbindelse, "
    "så login er spærret i op til 30 minutter."
)
# The admin's own answer to a wrong password, before any lock.
WRONG = "Indtast venligst det korrekte brugernavn og adgangskode for en personalekonto."

TOO_SHORT = "Denne adgangskode er for kort. Den skal indeholde mindst 12 tegn."
TOO_COMMON = "Denne adgangskode er for almindelig."
NUMERIC = "Denne adgangskode er udelukkende numerisk."
SIMILAR = "Din adgangskode minder for meget om din/dit brugernavn."

HOME = "10.1.1.1"
CAFE = "10.2.2.2"


@pytest.fixture
def editor():
    return User.objects.create_user("redaktor", password=PASSWORD, is_staff=True)


@pytest.fixture
def colleague():
    return User.objects.create_user("kollega", password=PASSWORD, is_staff=True)


@pytest.fixture
def chef_client(client):
    client.force_login(User.objects.create_superuser("chef", password=PASSWORD))
    return client


def log_in(username: str, password: str, ip: str = HOME, **headers):
    """One POST to the admin's login form, from a fresh client at this address."""
    return Client().post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)


def refused(response) -> bool:
    """Refused with the admin's usual form: wrong password, not (yet) locked."""
    return response.status_code == 200 and WRONG in response.content.decode()


def locked(response) -> bool:
    return response.status_code == 429 and LOCKED in response.content.decode()


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def errors(response) -> list[str]:
    """The messages of the form's error lists, in order."""
    lists = re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    return [item for block in lists for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


# --- passwords -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "messages"),
    [
        ("1", [TOO_SHORT, TOO_COMMON, NUMERIC]),
        ("1qaz2wsx3edc", [TOO_COMMON]),
        ("202401151234", [NUMERIC]),
        ("redaktor-odense", [SIMILAR]),
    ],
)
def test_admin_password_change_refuses_weak_passwords(chef_client, password, messages):
    user = User.objects.create_user("redaktor-odense", password=PASSWORD, is_staff=True)
    response = chef_client.post(f"/admin/auth/user/{user.pk}/password/", {"password1": password, "password2": password})
    assert response.status_code == 200
    assert errors(response) == messages
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_admin_password_change_takes_a_good_password(chef_client, editor):
    response = chef_client.post(
        f"/admin/auth/user/{editor.pk}/password/",
        {"password1": "tre-ord-og-et-tal-7", "password2": "tre-ord-og-et-tal-7"},
    )
    assert response.status_code == 302
    editor.refresh_from_db()
    assert editor.check_password("tre-ord-og-et-tal-7")


@pytest.mark.parametrize(
    ("password", "messages"),
    [("1", [TOO_SHORT, TOO_COMMON, NUMERIC]), ("1qaz2wsx3edc", [TOO_COMMON]), ("202401151234", [NUMERIC])],
)
def test_admin_user_creation_refuses_weak_passwords(chef_client, password, messages):
    response = chef_client.post(
        "/admin/auth/user/add/",
        {"username": "ny-redaktor", "usable_password": "true", "password1": password, "password2": password},
    )
    assert response.status_code == 200
    assert errors(response) == messages
    assert not User.objects.filter(username="ny-redaktor").exists()


def test_ensure_admin_prints_a_password_the_validators_and_the_login_accept():
    from django.contrib.auth.password_validation import validate_password

    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    password = re.search(r"with password '([^']+)'", out.getvalue()).group(1)
    admin = User.objects.get(username="admin")
    assert validate_password(password, admin) is None
    assert logged_in(log_in("admin", password))


# --- logins --------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(editor):
    for _ in range(4):
        assert refused(log_in("redaktor", "forkert-gæt"))
    fifth = log_in("redaktor", "forkert-gæt")
    assert locked(fifth)
    right = log_in("redaktor", PASSWORD)
    assert locked(right)
    assert "_auth_user_id" not in right.wsgi_request.session

    from axes.models import AccessAttempt

    # The refused try with the right password is not counted (the lock is not prolonged).
    assert list(AccessAttempt.objects.values_list("username", "ip_address", "failures_since_start")) == [
        ("redaktor", HOME, 5)
    ]


def test_a_locked_account_stays_locked_from_another_address(editor):
    for _ in range(5):
        log_in("redaktor", "forkert-gæt", ip=HOME)
    assert locked(log_in("redaktor", PASSWORD, ip=CAFE))


def test_an_address_at_its_limit_is_locked_for_every_account(editor, colleague):
    for _ in range(3):
        assert refused(log_in("redaktor", "forkert-gæt", ip=HOME))
    assert refused(log_in("kollega", "forkert-gæt", ip=HOME))
    # The fifth failure from the address, though only the second for this account.
    assert locked(log_in("kollega", "forkert-gæt", ip=HOME))
    assert locked(log_in("kollega", PASSWORD, ip=HOME))
    # Neither account is at its own limit: from elsewhere, both get in.
    assert logged_in(log_in("kollega", PASSWORD, ip=CAFE))
    assert logged_in(log_in("redaktor", PASSWORD, ip=CAFE))


def test_admin_unlocks_an_account_with_axes_reset_username(editor):
    for _ in range(5):
        log_in("redaktor", "forkert-gæt")
    assert locked(log_in("redaktor", PASSWORD))
    out = io.StringIO()
    call_command("axes_reset_username", "redaktor", stdout=out)
    assert out.getvalue() == "1 attempts removed.\n"
    assert logged_in(log_in("redaktor", PASSWORD))


def test_admin_unlocks_an_address_with_axes_reset_ip(editor, colleague):
    for username in ("a", "b", "c", "d", "e"):
        log_in(username, "forkert-gæt", ip=HOME)
    assert locked(log_in("redaktor", PASSWORD, ip=HOME))
    out = io.StringIO()
    call_command("axes_reset_ip", HOME, stdout=out)
    assert out.getvalue() == "5 attempts removed.\n"
    assert logged_in(log_in("redaktor", PASSWORD, ip=HOME))


def test_a_good_login_resets_the_accounts_count(editor):
    from axes.models import AccessAttempt

    for _ in range(4):
        assert refused(log_in("redaktor", "forkert-gæt"))
    assert logged_in(log_in("redaktor", PASSWORD))
    assert AccessAttempt.objects.count() == 0
    # Four more failures are allowed again before the fifth locks.
    for _ in range(4):
        assert refused(log_in("redaktor", "forkert-gæt"))
    assert logged_in(log_in("redaktor", PASSWORD))


def test_a_good_login_does_not_clear_failures_against_another_account(editor, colleague):
    """An editor's own login between guesses at a colleague's password wipes nothing."""
    for _ in range(4):
        assert refused(log_in("kollega", "forkert-gæt", ip=HOME))
    assert logged_in(log_in("redaktor", PASSWORD, ip=HOME))
    assert locked(log_in("kollega", "forkert-gæt", ip=CAFE))


# --- the client's address ------------------------------------------------------------------


def test_forwarded_for_is_ignored_without_a_proxy(editor):
    """From the open internet, X-Forwarded-For is the client's own word: one address, one count."""
    for n in range(4):
        assert refused(log_in(f"ukendt{n}", "forkert-gæt", ip=HOME, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"))
    assert locked(log_in("ukendt4", "forkert-gæt", ip=HOME, HTTP_X_FORWARDED_FOR="192.0.2.99"))
    assert locked(log_in("redaktor", PASSWORD, ip=HOME, HTTP_X_FORWARDED_FOR="192.0.2.100"))


def test_behind_the_proxy_each_forwarded_client_has_its_own_count(settings, editor):
    settings.ARCHIVE_BEHIND_PROXY = True
    proxy = "10.9.9.9"
    # The part before the proxy's entry is the client's claim and changes nothing.
    for n in range(5):
        log_in(f"ukendt{n}", "forkert-gæt", ip=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.5")
    assert locked(log_in("redaktor", PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5"))
    # Another client behind the same proxy is not locked.
    assert logged_in(log_in("redaktor", PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.6"))


@pytest.mark.parametrize(
    ("behind_proxy", "meta", "expected"),
    [
        (False, {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "10.1.1.1"),
        (True, {"REMOTE_ADDR": "10.9.9.9", "HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.5"}, "203.0.113.5"),
        (True, {"REMOTE_ADDR": "10.9.9.9", "HTTP_X_FORWARDED_FOR": "2001:DB8:0:0::1"}, "2001:db8::1"),
        (True, {"REMOTE_ADDR": "10.9.9.9", "HTTP_X_FORWARDED_FOR": "203.0.113.5, ikke-en-adresse"}, "10.9.9.9"),
        (True, {"REMOTE_ADDR": "10.9.9.9"}, "10.9.9.9"),
        (False, {"REMOTE_ADDR": "ikke-en-adresse"}, None),
    ],
)
def test_client_ip(settings, behind_proxy, meta, expected):
    from archive.logins import client_ip

    settings.ARCHIVE_BEHIND_PROXY = behind_proxy
    request = RequestFactory().post(LOGIN, **meta)
    assert client_ip(request) == expected
