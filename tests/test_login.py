"""Login throttling (django-axes): wrong passwords lock the username out for a while.

Configured in settings (AXES_*): 5 failures lock out a username, whether they came from one
address (the username + address rule) or from many (the username rule); other accounts on
the same address are not affected. The lockout lasts 15 minutes after the latest attempt.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
PASSWORD = "a-long-test-password"  # staff_user's, see conftest
LIMIT = 5

pytestmark = pytest.mark.django_db


def sign_in(client, username, password, url=LOGIN):
    return client.post(url, {"username": username, "password": password})


def fail(client, username, times, url=LOGIN):
    return [sign_in(client, username, f"wrong-{n}", url) for n in range(times)]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def assert_locked_out(response):
    assert response.status_code == 429
    assert "registration/lockout.html" in [t.name for t in response.templates]
    assert "base.html" in [t.name for t in response.templates]  # the site's styled page
    page = response.content.decode()
    assert "Too many failed sign-ins" in page
    assert "Try again in 15 minutes" in page
    assert "ask a site admin to unlock" in page


def test_the_right_password_is_refused_after_five_wrong_ones(client, staff_user):
    before = fail(client, "fran", LIMIT - 1)
    assert [r.status_code for r in before] == [200] * (LIMIT - 1)
    assert all("Please enter a correct username and password" in r.content.decode() for r in before)
    assert_locked_out(fail(client, "fran", 1)[0])  # the fifth locks the account
    response = sign_in(client, "fran", PASSWORD)
    assert_locked_out(response)
    assert not signed_in(client)


def test_fewer_than_five_then_the_right_password_signs_in_and_starts_the_count_again(
    client, staff_user
):
    fail(client, "fran", LIMIT - 1)
    assert sign_in(client, "fran", PASSWORD).status_code == 302
    assert signed_in(client)
    client.logout()
    assert [r.status_code for r in fail(client, "fran", LIMIT - 1)] == [200] * (LIMIT - 1)
    assert sign_in(client, "fran", PASSWORD).status_code == 302


def test_a_real_and_an_unknown_username_get_the_same_lockout(client, staff_user):
    real = fail(client, "fran", LIMIT)[-1]
    unknown = fail(client, "nobody-by-this-name", LIMIT)[-1]
    assert_locked_out(real)
    assert real.status_code == unknown.status_code
    assert real.content == unknown.content
    assert b"fran" not in real.content and b"nobody-by-this-name" not in unknown.content
    assert_locked_out(sign_in(client, "fran", PASSWORD))


def test_another_account_on_the_same_address_still_signs_in(client, staff_user, django_user_model):
    django_user_model.objects.create_user(username="sam", password="sams-own-password")
    fail(client, "fran", LIMIT)
    assert sign_in(client, "sam", "sams-own-password").status_code == 302
    assert signed_in(client)


def test_a_lockout_from_one_address_does_not_lock_the_account_out_elsewhere(client, staff_user):
    """Five wrong passwords lock that address out of the account, not the account: nobody
    can keep a facilitator from signing in (say, just before a workshop) from afar."""
    fail(client, "fran", LIMIT)
    assert_locked_out(sign_in(client, "fran", PASSWORD))
    elsewhere = Client(REMOTE_ADDR="198.51.100.2")
    sign_in(elsewhere, "fran", PASSWORD)
    assert signed_in(elsewhere)


def test_the_admin_login_is_throttled_too_and_shares_the_count(client, staff_user):
    fail(client, "fran", 2)
    fail(client, "fran", LIMIT - 2, url=ADMIN_LOGIN)
    response = sign_in(client, "fran", PASSWORD, url=ADMIN_LOGIN)
    assert_locked_out(response)
    assert not signed_in(client)
    assert_locked_out(sign_in(client, "fran", PASSWORD))


def test_after_the_cool_off_the_right_password_works(client, staff_user):
    fail(client, "fran", LIMIT)

    def wind_back(minutes):
        AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))

    wind_back(14)
    # Still locked; trying while locked out doesn't make the wait longer.
    assert_locked_out(sign_in(client, "fran", PASSWORD))
    wind_back(2)
    assert sign_in(client, "fran", PASSWORD).status_code == 302
    assert signed_in(client)


def test_the_page_says_how_long_the_cool_off_is(client, staff_user, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    page = fail(client, "fran", LIMIT)[-1].content.decode()
    assert "Try again in 1 minute," in page


def test_an_admin_unlocks_the_account_in_the_admin(client, staff_user, django_user_model):
    fail(client, "fran", LIMIT)
    admin = Client()
    admin.force_login(
        django_user_model.objects.create_superuser(username="ana", password="anas-password-1")
    )
    listing = admin.get("/admin/axes/accessattempt/?q=fran")
    assert listing.status_code == 200 and "fran" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="fran")
    response = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert sign_in(client, "fran", PASSWORD).status_code == 302


def test_x_forwarded_for_counts_only_behind_the_trusted_proxy(staff_user, settings):
    spoofing = Client(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="10.9.9.9")
    fail(spoofing, "fran", 1)
    assert AccessAttempt.objects.get().ip_address == "192.0.2.10"

    AccessAttempt.objects.all().delete()
    settings.CLIENT_IP_FROM_X_FORWARDED_FOR = True
    # The proxy appends the address that reached it; anything before that is the client's say.
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.5")
    fail(proxied, "fran", 1)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"


def test_x_forwarded_for_from_past_the_proxy_is_not_believed(staff_user, settings):
    """Behind the proxy, a client reaching daphne directly can't name its own address."""
    settings.CLIENT_IP_FROM_X_FORWARDED_FOR = True
    direct = Client(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="10.9.9.9")
    fail(direct, "fran", 1)
    assert AccessAttempt.objects.get().ip_address == "192.0.2.10"

    AccessAttempt.objects.all().delete()
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("192.0.2.0/24")]
    fail(direct, "fran", 1)  # now that network is the proxy's
    assert AccessAttempt.objects.get().ip_address == "10.9.9.9"


def test_the_proxy_is_known_by_its_address_however_written_and_only_an_address_is_taken(
    staff_user, settings
):
    settings.CLIENT_IP_FROM_X_FORWARDED_FOR = True
    mapped = Client(REMOTE_ADDR="::ffff:127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    fail(mapped, "fran", 1)  # a dual-stack listener writes the IPv4 proxy this way
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"

    AccessAttempt.objects.all().delete()
    odd = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="unix:")
    fail(odd, "fran", 1)  # not an address: the proxy's own is kept, and nothing breaks
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"


def test_the_test_clients_login_still_works(client, staff_user):
    assert not client.login(username="fran", password="wrong")
    assert client.login(username="fran", password=PASSWORD)
    assert signed_in(client)
