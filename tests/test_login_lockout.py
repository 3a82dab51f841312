"""Logins are locked out per account and per address after repeated failures (django-axes)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-password-1"  # the owner fixture's


def log_in(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def fail(times: int, username: str = "olivia", address: str = "203.0.113.1") -> None:
    for attempt in range(1, times + 1):
        # The failure that reaches the limit is answered with the lockout already.
        expected = 429 if attempt >= 5 else 200
        assert log_in(Client(REMOTE_ADDR=address), username, "wrong").status_code == expected


def test_five_wrong_passwords_lock_the_account_even_from_elsewhere(owner, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    fail(5)
    elsewhere = Client(REMOTE_ADDR="198.51.100.9")
    response = log_in(elsewhere, "olivia", PASSWORD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 15 * 60
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert re.search(r"Try again in 15 minutes\.", page)
    assert "_auth_user_id" not in elsewhere.session


def test_one_address_trying_many_accounts_is_locked(owner, outsider):
    for name in ("a", "b", "c", "d", "e"):
        log_in(Client(REMOTE_ADDR="203.0.113.2"), name, "wrong")
    assert log_in(Client(REMOTE_ADDR="203.0.113.2"), "eve", "a-long-password-2").status_code == 429
    assert log_in(Client(REMOTE_ADDR="203.0.113.3"), "eve", "a-long-password-2").status_code == 302


def test_fewer_failures_still_let_the_right_password_in(owner):
    fail(4)
    response = log_in(Client(REMOTE_ADDR="203.0.113.1"), "olivia", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("workshop_list")


def test_the_lockout_page_speaks_the_persons_language(owner):
    fail(5)
    client = Client(REMOTE_ADDR="203.0.113.1", headers={"accept-language": "zh-hans"})
    response = log_in(client, "olivia", PASSWORD)
    assert response.status_code == 429
    assert '<html lang="zh-hans"' in response.content.decode()


def test_the_cool_off_comes_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME)"
    )
    env = {
        "LOGIN_FAILURE_LIMIT": "8",
        "LOGIN_COOLOFF_MINUTES": "30",
        "DJANGO_SETTINGS_MODULE": "journeymap.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["8", "0:30:00"]


def test_guests_and_sign_ups_still_log_in(workshop):
    response = Client().post(reverse("join_code", args=[workshop.join_code]), {"display_name": "Mia"})
    assert response.status_code == 302
    signup = Client().post(
        reverse("signup"),
        {
            "username": "fran",
            "first_name": "Fran",
            "password1": "x-long-password-9",
            "password2": "x-long-password-9",
        },
    )
    assert signup.status_code == 302
