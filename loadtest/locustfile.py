"""BonusDesk under load (docs/benchmarks.md, "Load"): members open their page and tree
branches, staff open the member list and toggle payments. Sessions come from
`manage.py loadtest_sessions`; loadtest/run.sh starts gunicorn and runs this headless,
for a bounded time, against the loopback address only.

The share of each kind of user is set with LOAD_STAFF_SHARE (0..1, default 0.2).
"""

import json
import os
import random

from locust import HttpUser, between, constant, task

SESSIONS = json.load(open(os.environ.get("LOAD_SESSIONS", "loadtest/sessions.json")))
STAFF_SHARE = float(os.environ.get("LOAD_STAFF_SHARE", "0.2"))
WAIT = float(os.environ.get("LOAD_WAIT", "0"))  # seconds between a user's requests


# What the nginx site adds: with DEBUG off and PROXY_COUNT=1 (run.sh) the application
# sees the HTTPS request it was at the proxy.
PROXIED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}


def get(user, url, name):
    """A GET that must answer 200 itself: a redirect (to the login page) is a failure."""
    with user.client.get(url, name=name, allow_redirects=False, catch_response=True) as answer:
        if answer.status_code != 200:
            answer.failure(f"{answer.status_code} {answer.headers.get('Location', '')}")


class Member(HttpUser):
    weight = max(1, round(100 * (1 - STAFF_SHARE)))
    wait_time = between(WAIT / 2, WAIT) if WAIT else constant(0)

    def on_start(self):
        self.client.headers.update(PROXIED)
        me = random.choice(SESSIONS["members"])
        self.client.cookies.set("sessionid", me["sessionid"])
        self.branches = me["branches"]

    @task(4)
    def page(self):
        get(self, "/me/", "/me/")

    @task(1)
    def branch(self):
        if self.branches:
            key = random.choice(self.branches)
            get(self, f"/me/tree/{key}/", "/me/tree/<key>/")


class Staff(HttpUser):
    weight = max(1, round(100 * STAFF_SHARE))
    wait_time = between(WAIT / 2, WAIT) if WAIT else constant(0)

    def on_start(self):
        self.client.headers.update(PROXIED)
        staff = SESSIONS["staff"]
        self.client.cookies.set("sessionid", staff["sessionid"])
        self.client.cookies.set("csrftoken", staff["csrftoken"])
        self.csrf = staff["csrftoken"]
        self.members = staff["member_ids"]

    @task(3)
    def member_list(self):
        get(self, "/admin/bonuses/member/", "/admin/bonuses/member/")

    @task(1)
    def toggle_payment(self):
        member = random.choice(self.members)
        with self.client.post(
            f"/admin/bonuses/member/{member}/paid/",
            data={"paid": random.choice("01")},
            headers={"X-CSRFToken": self.csrf, "Referer": self.host.replace("http:", "https:")},
            name="/admin/bonuses/member/<id>/paid/",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 200 or "paid" not in answer.json():
                answer.failure(f"{answer.status_code}")
