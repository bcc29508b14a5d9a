"""What the person importing a members file may do (README, "Roles"): the same rules as
the member form, row by row, so the preview shows them before anything is written.

- No row may give a member a staff login (for anyone).
- Linking an existing login, or changing an existing member's login, needs
  bonuses.link_login; a new login for a new member (set up through the password reset
  sent to the email on file) is part of adding members.
- Moving an existing member who has followers needs bonuses.move_branch.
`by` None is the operator at the command line, who may do all of it.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from bonuses.models import Member

from .errors import RowError
from .keys import _chunks


def role_errors(rows, index, user_ids: dict[str, int], by) -> list[RowError]:
    """RowErrors for the rows `by` may not import. `user_ids`: existing logins named in
    the file (name -> id). One query per 5 000 logins or moves named."""
    errors = []
    staff = set()
    for chunk in _chunks(user_ids):
        staff.update(
            get_user_model()
            .objects.filter(Q(is_staff=True) | Q(is_superuser=True), username__in=chunk)
            .values_list("username", flat=True)
        )
    may_link = by is None or by.has_perm("bonuses.link_login")
    may_move = by is None or by.has_perm("bonuses.move_branch")
    for row in rows:
        if not row.username:
            continue
        if row.username in staff:
            errors.append(
                RowError(
                    row.line,
                    "username",
                    _("“%(value)s” is a staff login: it cannot be a member's login.")
                    % {"value": row.username},
                )
            )
        elif not may_link and (
            index.usernames.get(row.existing_id) != row.username
            if row.existing_id
            else row.username in user_ids
        ):
            errors.append(
                RowError(
                    row.line,
                    "username",
                    _(
                        "Only an administrator can link an existing login or change a "
                        "member's login."
                    ),
                )
            )
    if may_move:
        return errors
    moving = {row.existing_id: row for row in rows if row.moves and row.existing_id}
    if not moving:
        return errors
    with_followers = set()
    for chunk in _chunks(moving):
        with_followers.update(
            Member.objects.filter(sponsor_id__in=chunk).values_list("sponsor_id", flat=True)
        )
    # Followers the same file places under a moving member move with it as well.
    for row in rows:
        parent = row.parent
        if parent and parent[0] == "m" and parent[1] in moving:
            with_followers.add(parent[1])
        elif parent and parent[0] == "r" and rows[parent[1]].existing_id in moving:
            with_followers.add(rows[parent[1]].existing_id)
    for member_id in sorted(with_followers, key=lambda pk: moving[pk].line):
        errors.append(
            RowError(
                moving[member_id].line,
                "sponsor",
                _(
                    "This member has followers: only an administrator can move a member "
                    "together with their branch."
                ),
            )
        )
    return errors
