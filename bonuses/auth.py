"""The authentication backend: Django's ModelBackend, whose per-request user lookup also
loads the user's member and the member's sponsor.

Every member page starts with `request.user` and then the member behind it (and the
page names their sponsor): one query with two joins instead of two queries a request,
on the busiest page there is (docs/benchmarks.md, "/me/ at 150 requests/s"). Staff
users have no member; the joins find nothing and cost nothing.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

# The dotted path sessions store for a login through this backend (login(backend=...)).
MEMBER_BACKEND = "bonuses.auth.MemberBackend"


class MemberBackend(ModelBackend):
    def get_user(self, user_id):
        """The active user of `user_id` with `user.member` (None when they have no member)
        and `user.member.sponsor` already loaded; None for an unknown or inactive user."""
        users = get_user_model()._default_manager
        try:
            user = users.select_related("member__sponsor").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
