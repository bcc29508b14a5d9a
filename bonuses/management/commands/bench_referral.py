"""Time the referral link page (GET /r/<code>/) with the visit counting of issue 17 and
without it (the page as it was before), in the same run, interleaved (docs/benchmarks.md).

Each request is a new visitor, as on a shared link: a fresh client (no session cookie),
an address of its own and a browser's user agent, so every counted request does the
counting's full work (cache add and the upsert). The visits it counts (today, on the
members it picks) and the sessions it opens are deleted afterwards: run it on a
benchmark database.
"""

import os
import platform
import random
import statistics
import time
from contextlib import contextmanager
from unittest import mock

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone

from bonuses.models import Member, ReferralVisit
from bonuses.views import referral

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"


@contextmanager
def counting_off():
    """The referral view as it was before issue 17: no visit counting."""
    with mock.patch.object(referral, "referral_visit_count", lambda **kwargs: False):
        yield


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Command(BaseCommand):
    help = (
        "Time GET /r/<code>/ server-side (test client, new visitor each request) with and "
        "without the visit counting, in pairs of requests in one run; prints a Markdown table."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=10)
        parser.add_argument("--batch", type=int, default=50, help="pairs of requests a round")
        parser.add_argument(
            "--codes", type=int, default=1000, help="members whose links are opened"
        )
        parser.add_argument("--seed", type=int, default=1)

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def handle(self, *args, rounds, batch, codes, seed, **options):
        members = list(Member.objects.order_by("?").values_list("id", "referral_code")[:codes])
        if not members:
            raise CommandError("The database has no members: run seed_demo first.")
        rng = random.Random(seed)
        sessions_before = set(Session.objects.values_list("session_key", flat=True))
        today = timezone.localdate()
        ids = [pk for pk, _ in members]
        ReferralVisit.objects.filter(member_id__in=ids, day=today).delete()
        caches["visits"].clear()
        times = {"before": [], "counting": []}
        cpu = {"before": [], "counting": []}
        visitor = 0
        load_before = os.getloadavg()

        def one(mode: str) -> None:
            nonlocal visitor
            visitor += 1
            _, code = rng.choice(members)
            address = f"10.{visitor // 65536 % 256}.{visitor // 256 % 256}.{visitor % 256}"
            client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=BROWSER)
            cpu_started, started = time.thread_time(), time.perf_counter()
            response = client.get(f"/r/{code}/")
            times[mode].append((time.perf_counter() - started) * 1000)
            cpu[mode].append((time.thread_time() - cpu_started) * 1000)
            if response.status_code != 302:
                raise CommandError(f"/r/{code}/ answered {response.status_code}")

        try:
            for _ in range(10):  # warm-up
                with counting_off():
                    one("before")
                one("counting")
            times = {"before": [], "counting": []}
            cpu = {"before": [], "counting": []}
            # Pairs, in alternating order: load that drifts during the run shifts both.
            for i in range(rounds * batch):
                for mode in ("before", "counting") if i % 2 == 0 else ("counting", "before"):
                    if mode == "before":
                        with counting_off():
                            one(mode)
                    else:
                        one(mode)
            counted = sum(
                ReferralVisit.objects.filter(member_id__in=ids, day=today).values_list(
                    "opened", flat=True
                )
            )
        finally:
            ReferralVisit.objects.filter(member_id__in=ids, day=today).delete()
            Session.objects.exclude(session_key__in=sessions_before).delete()
            caches["visits"].clear()
        load_after = os.getloadavg()
        self._report(times, cpu, counted, len(members), load_before, load_after)

    def _report(self, times, cpu, counted, codes, load_before, load_after) -> None:
        before, after = times["before"], times["counting"]
        diff = statistics.median(after) - statistics.median(before)
        paired = statistics.median(a - b for a, b in zip(after, before, strict=True))
        cache = settings.CACHES["visits"]["BACKEND"].rsplit(".", 1)[-1]
        self._say(
            f"\n{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
            f"{connection.vendor} · visits cache {cache} · "
            f"{timezone.now():%Y-%m-%d %H:%M} UTC · load average "
            f"{load_before[0]:.2f} before, {load_after[0]:.2f} after · "
            f"{Member.objects.count()} members, {codes} links opened, "
            f"{len(after)} requests a mode, {counted} visits counted\n"
        )
        self._say("| referral page | median | p90 | min | CPU (median) |")
        self._say("| --- | ---: | ---: | ---: | ---: |")
        for label, mode in (("before (no counting)", "before"), ("with counting", "counting")):
            values = times[mode]
            self._say(
                f"| {label} | {statistics.median(values):.2f} ms | "
                f"{_percentile(values, 0.9):.2f} ms | {min(values):.2f} ms | "
                f"{statistics.median(cpu[mode]):.2f} ms |"
            )
        self._say(
            f"\nDifference of the medians: {diff:+.2f} ms; median of the paired differences: "
            f"{paired:+.2f} ms (target: within 2 ms)."
        )
