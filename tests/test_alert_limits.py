"""The alerts' rate limits (decisions.alerts.subscriptions.within_limit): a window from the first
count, kept in the shared cache for as long as it lasts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from decisions.alerts.subscriptions import within_limit

pytestmark = pytest.mark.django_db
DAY = 24 * 3600


def test_a_daily_limit_holds_all_day_not_just_minutes_after_the_last_attempt():
    # With cache.incr the counter was stored again with the cache's default timeout (300 s):
    # after five quiet minutes an address could be sent five more e-mails, every five minutes.
    start = timezone.now()
    assert [within_limit("address", "a@example.dk", limit=2, seconds=DAY, now=start) for _ in range(3)] == [
        True,
        True,
        False,
    ]
    for later in (dt.timedelta(minutes=10), dt.timedelta(hours=23, minutes=59)):
        assert within_limit("address", "a@example.dk", limit=2, seconds=DAY, now=start + later) is False
    # A new window begins a day after the first count.
    assert within_limit("address", "a@example.dk", limit=2, seconds=DAY, now=start + dt.timedelta(days=1)) is True


def test_counters_are_per_kind_and_key():
    now = timezone.now()
    assert within_limit("ip", "192.0.2.1", limit=1, seconds=3600, now=now) is True
    assert within_limit("ip", "192.0.2.1", limit=1, seconds=3600, now=now) is False
    assert within_limit("ip", "192.0.2.2", limit=1, seconds=3600, now=now) is True
    assert within_limit("address", "192.0.2.1", limit=1, seconds=3600, now=now) is True


def _stored() -> list[tuple[str, dt.datetime]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, expires FROM archive_cache WHERE cache_key LIKE %s", ["%alerts:%"])
        return cursor.fetchall()


def test_the_counter_is_kept_as_long_as_its_window():
    # What the test above cannot wait for: the database keeps the counter a day, not the
    # cache's default five minutes after the last count.
    within_limit("address", "a@example.dk", limit=5, seconds=DAY)
    within_limit("address", "a@example.dk", limit=5, seconds=DAY)
    [(_key, expires)] = _stored()
    assert expires >= timezone.now() + dt.timedelta(hours=23, minutes=59)


def test_the_cache_holds_no_address_or_ip_address():
    within_limit("address", "hemmelig@example.dk", limit=5, seconds=DAY)
    within_limit("ip", "198.51.100.7", limit=5, seconds=3600)
    keys = [key for key, _expires in _stored()]
    assert len(keys) == 2
    assert not any("hemmelig" in key or "198.51.100.7" in key for key in keys)
