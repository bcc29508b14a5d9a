"""Logged-in sessions for the load test (loadtest/): members with a login and a downline,
and a staff member, written as JSON for Locust. Run it against the benchmark database
only: it gives logins to members who had none.

    python manage.py loadtest_sessions --members 200 --out loadtest/sessions.json
"""

import json
import random
from importlib import import_module

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.core.management.base import BaseCommand
from django.middleware.csrf import _get_new_csrf_string
from django.utils import timezone

from bonuses.auth import MEMBER_BACKEND
from bonuses.models import Member


def _session(user) -> str:
    # The configured engine: with REDIS_URL, cached_db keeps it in the cache too.
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = MEMBER_BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.set_expiry(timezone.timedelta(days=1))
    store.create()
    return store.session_key


class Command(BaseCommand):
    help = "Write logged-in member and staff sessions for the Locust load test."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=200)
        parser.add_argument("--out", default="loadtest/sessions.json")
        parser.add_argument("--seed", type=int, default=14)

    def handle(self, *args, members, out, seed, **options):
        users = get_user_model()
        rng = random.Random(seed)
        # Members with followers, so every one of them has tree branches to open.
        candidates = list(
            Member.objects.filter(numchild__gt=0, user__isnull=True)
            .order_by("id")
            .values_list("id", flat=True)[: members * 20]
        )
        chosen = Member.objects.filter(id__in=rng.sample(candidates, members))
        member_sessions = []
        for member in chosen:
            user = users.objects.create_user(f"load{member.pk}", password=None)
            member.user = user
            member.save(update_fields=["user"])
            children = Member.objects.filter(
                path__startswith=member.path, depth=member.depth + 1
            ).values_list("path", flat=True)[:20]
            member_sessions.append(
                {
                    "sessionid": _session(user),
                    "branches": [path[len(member.path) :] for path in children],
                }
            )
        staff, _created = users.objects.get_or_create(
            username="loadstaff", defaults={"is_staff": True, "is_superuser": True}
        )
        page_members = list(Member.objects.order_by("-id").values_list("id", flat=True)[:500])
        data = {
            "members": member_sessions,
            "staff": {
                "sessionid": _session(staff),
                "csrftoken": _get_new_csrf_string(),
                "member_ids": page_members,
            },
        }
        with open(out, "w") as handle:
            json.dump(data, handle)
        self.stdout.write(f"{len(member_sessions)} member sessions and 1 staff session in {out}")
