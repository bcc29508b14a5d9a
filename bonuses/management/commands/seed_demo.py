import time

from django.core.management.base import BaseCommand, CommandError

from bonuses.models import DownlineCount, DownlineVolume, Member, Payment
from bonuses.services.demo import seed_club
from core.bulk import refresh_planner_stats


class Command(BaseCommand):
    help = "Add a random club of N members with a realistic tree and payment history."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, required=True)
        parser.add_argument("--months", type=int, default=6)
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args, members, months, seed, **options):
        if members < 1 or months < 0:
            raise CommandError("--members must be at least 1 and --months not negative")
        started = time.perf_counter()
        result = seed_club(members=members, months=months, seed=seed)
        # Now outside the transaction: vacuums too.
        refresh_planner_stats(Member, Payment, DownlineCount, DownlineVolume)
        self.stdout.write(
            f"Added {result.members} members ({result.roots} without a sponsor, tree depth "
            f"{result.max_depth}) and {result.payments} payments "
            f"in {time.perf_counter() - started:.1f} s."
        )
