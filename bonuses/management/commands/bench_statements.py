"""Benchmark the month-close statements: queue and send a closed month's statements to
every member due one, through the locmem email backend (docs/benchmarks.md)."""

import os
import platform
import threading
import time

from django.core.mail.backends.locmem import EmailBackend
from django.core.management.base import BaseCommand
from django.db import connection

from bonuses.models import Member, MonthClose, Payment, StatementMail
from bonuses.services.close import month_close_one
from bonuses.services.demo import seed_club
from bonuses.services.statement_mails import statement_mails_queue, statement_mails_send
from core.bulk import refresh_planner_stats
from core.periods import add_months, current_period, format_month


class CountingLocmem(EmailBackend):
    """Django's locmem backend (renders and "sends" every message into mail.outbox),
    emptying the outbox as it goes: the peak memory is the sender's, not a test's store
    of 100 000 letters."""

    sent = 0
    size = 0
    sampled = 0

    def send_messages(self, messages):
        from django.core import mail

        count = super().send_messages(messages)
        if CountingLocmem.sent < 200:  # the letters' size, from a sample
            CountingLocmem.size += sum(len(m.message().as_bytes()) for m in mail.outbox)
            CountingLocmem.sampled += len(mail.outbox)
        CountingLocmem.sent += count
        mail.outbox.clear()
        return count


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class PeakRss:
    """The process's resident memory, sampled every 50 ms in a thread (no tracing cost)."""

    def __enter__(self):
        self.start = self.peak = _rss_kb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, _rss_kb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_kb())


class Command(BaseCommand):
    help = (
        "Seed a club (or reuse the one in the database), close last month if needed, then "
        "time queueing and sending its statements with the locmem backend, with the peak "
        "memory. Statements already sent for that month are forgotten first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=100_000)
        parser.add_argument("--months", type=int, default=3)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=100)
        parser.add_argument("--limit", type=int, help="send only this many (a quick look)")
        parser.add_argument(
            "--everyone",
            action="store_true",
            help="a statement for every member, not only those the close changed",
        )

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def handle(self, *args, members, months, seed, batch, limit, everyone, **options):
        existing = Member.objects.count()
        if existing:
            self._say(f"Reusing the club in the database: {existing} members.")
        else:
            started = time.perf_counter()
            result = seed_club(members=members, months=months, seed=seed)
            refresh_planner_stats(Member, Payment)
            self._say(f"Seeded {result.members} members in {time.perf_counter() - started:.1f} s.")
            existing = result.members
        period = add_months(current_period(), -1)
        if not MonthClose.objects.filter(period=period).exists():
            started = time.perf_counter()
            month_close_one(period=period)
            self._say(f"Closed {format_month(period)} in {time.perf_counter() - started:.1f} s.")
        StatementMail.objects.filter(period=period).delete()

        started = time.perf_counter()
        queued = statement_mails_queue(period=period)
        queue_s = time.perf_counter() - started
        self._say(f"queued {queued} statements in {queue_s:.2f} s")
        if everyone:
            # The members the close did not change get one too (zeros and their balance):
            # the same work per letter, for a round count.
            due = StatementMail.objects.filter(period=period).values("member_id")
            StatementMail.objects.bulk_create(
                [
                    StatementMail(member_id=pk, period=period)
                    for pk in Member.objects.exclude(pk__in=due).values_list("pk", flat=True)
                ],
                batch_size=5000,
            )
            queued = StatementMail.objects.filter(period=period).count()
            self._say(f"with everyone else: {queued} statements")
        if limit:
            keep = StatementMail.objects.filter(period=period).order_by("id")[:limit]
            StatementMail.objects.filter(period=period).exclude(
                pk__in=list(keep.values_list("pk", flat=True))
            ).delete()

        load_before = os.getloadavg()
        mailer = CountingLocmem()
        with PeakRss() as rss:
            started, cpu = time.perf_counter(), time.process_time()
            report = statement_mails_send(period=period, batch_size=batch, mailer=mailer)
            send_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
        load_after = os.getloadavg()
        sent = report.sent
        per_ms = send_s * 1000 / max(sent, 1)
        growth_mb = (rss.peak - rss.start) / 1024
        self._say(
            f"sent {sent} (failed {report.failed}, skipped {report.skipped}) in {send_s:.1f} s: "
            f"{per_ms:.2f} ms a statement, {sent / send_s:.0f} a second; average letter "
            f"{CountingLocmem.size / max(CountingLocmem.sampled, 1) / 1024:.1f} KB"
        )
        self._say(
            f"this process's CPU: {cpu_s:.1f} s, {cpu_s * 1000 / max(sent, 1):.2f} ms a "
            "statement (the database's own work is in the wall time only)"
        )
        self._say(
            f"memory: resident {rss.start / 1024:.0f} MB before, peak {rss.peak / 1024:.0f} MB "
            f"(+{growth_mb:.0f} MB while sending)"
        )
        self._say(
            f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs"
        )
        self._say(
            f"| {connection.vendor} | {existing:,} | {queued:,} | {queue_s:.1f} s | {sent:,} | "
            f"{send_s:.0f} s | {per_ms:.2f} ms | {rss.peak / 1024:.0f} MB "
            f"(+{growth_mb:.0f}) | {load_before[0]:.2f}–{load_after[0]:.2f} |".replace(",", " ")
        )
