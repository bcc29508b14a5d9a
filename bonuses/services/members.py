"""Writes to members and the referral tree. The only place that moves tree nodes."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bonuses.models import Member

from .figures import figures_attach, figures_detach
from .locks import lock_roots, lock_tree_exclusive, lock_tree_for_insert

# Fields that callers may set; tree fields (path, depth, numchild) belong to treebeard.
MEMBER_FIELDS = (
    "user",
    "first_name",
    "last_name",
    "middle_name",
    "email",
    "phone",
    "birth_date",
    "address",
    "external_id",
    "joined_on",
    "statement_emails",
)
TREE_FIELDS = ["path", "depth", "numchild"]


def _normalise(fields: dict) -> dict:
    fields = dict(fields)
    for name in ("first_name", "last_name", "middle_name", "address", "external_id"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()
    if isinstance(fields.get("email"), str):
        fields["email"] = fields["email"].strip().lower()
    return fields


@transaction.atomic
def member_enroll(*, sponsor: Member | None = None, by=None, **fields) -> Member:
    """Create a member, under `sponsor` or as a root of the tree.

    Raises ValidationError (field by field) for invalid data or a duplicate email,
    phone or club number, and nothing is written.
    """
    unknown = set(fields) - set(MEMBER_FIELDS)
    if unknown:
        raise TypeError(f"member_enroll() got unexpected fields: {', '.join(sorted(unknown))}")
    member = Member(sponsor=sponsor, **_normalise(fields))
    member.full_clean(exclude=TREE_FIELDS + ["sponsor"])
    member.refresh_search_key()
    if by is not None:
        member._history_user = by
    lock_tree_for_insert()
    if sponsor is None:
        lock_roots()
        return Member.objects.add_root(instance=member)
    try:
        # add_child locks the sponsor's row and re-reads its path before using it.
        member = Member.objects.add_child(sponsor, instance=member)
    except Member.DoesNotExist as exc:
        raise ValidationError({"sponsor": _("The chosen sponsor no longer exists.")}) from exc
    figures_attach(member=member, new=True)
    return member


@transaction.atomic
def member_update(*, member: Member, by=None, **fields) -> Member:
    """Change a member's own data (not their place in the tree, not their login: see
    member_link_login)."""
    unknown = set(fields) - set(MEMBER_FIELDS) | ({"user"} & set(fields))
    if unknown:
        raise TypeError(f"member_update() got unexpected fields: {', '.join(sorted(unknown))}")
    for name, value in _normalise(fields).items():
        setattr(member, name, value)
    member.full_clean(exclude=TREE_FIELDS + ["sponsor"])
    member.refresh_search_key()
    if by is not None:
        member._history_user = by
    member.save(update_fields=[*fields, "search_key", "updated_at"])
    return member


def login_link_error(member: Member, user) -> str | None:
    """Why `user` cannot be `member`'s login, or None. Reads only (forms show it on the
    field; member_link_login checks again under the member's lock)."""
    if user is None:
        return None
    if user.is_staff or user.is_superuser:
        return _("A staff login cannot be a member's login: choose the member's own.")
    if Member.objects.filter(user=user).exclude(pk=member.pk).exists():
        return _("This login already belongs to another member.")
    return None


@transaction.atomic
def member_link_login(*, member: Member, user, by=None, proof: str = "") -> Member:
    """Give `member` the login `user` (None: take the login away).

    `by` is the administrator doing it (needs the permission bonuses.link_login); None
    when the owner proved it through a claim (bonuses.services.claims), whose `proof`
    then names the way, and the history names the login itself. Only a login with no
    member and no staff rights may be linked, and a claim never replaces a login.
    Raises ValidationError on the field "user". DESIGN.md, "Who may do what".
    """
    if by is not None and not by.has_perm("bonuses.link_login"):
        raise ValidationError({"user": _("Only an administrator can link a login to a member.")})
    member = Member.objects.select_for_update().get(pk=member.pk)
    error = login_link_error(member, user)
    if error:
        raise ValidationError({"user": error})
    if by is None and member.user_id is not None:
        raise ValidationError({"user": _("This member already has a login.")})
    if member.user_id == (user.pk if user else None):
        return member
    member.user = user
    member._history_user = by or user
    member._change_reason = proof or "login linked"
    member.save(update_fields=["user", "updated_at"])
    return member


def sponsor_change_error(member: Member, sponsor: Member | None) -> str | None:
    """Why `member` cannot move under `sponsor`, or None when it can. Reads only.

    Forms call this to show the reason on the field; member_change_sponsor checks it
    again under the tree lock.
    """
    if sponsor is None:
        return None
    if sponsor.pk == member.pk:
        return _("A member cannot be their own sponsor.")
    if sponsor.path.startswith(member.path):
        level = sponsor.depth - member.depth
        return _(
            "%(sponsor)s is in %(member)s's own downline (level %(level)s): "
            "a member cannot be moved under one of their followers."
        ) % {"sponsor": sponsor, "member": member, "level": level}
    return None


def branch_move_error(member: Member, by) -> str | None:
    """Why `by` may not move `member` (who has followers), or None. Moving a branch is
    for administrators (permission bonuses.move_branch); the front desk may place a
    member without followers. `by` None is the system acting on a rule (e.g. the plan's
    option for new members' sponsor requests), which checks its own conditions."""
    if by is None or member.numchild == 0 or by.has_perm("bonuses.move_branch"):
        return None
    return _(
        "%(member)s has followers: only an administrator can move a member together with "
        "their branch."
    ) % {"member": member}


@transaction.atomic
def member_change_sponsor(*, member: Member, sponsor: Member | None, by=None) -> Member:
    """Move `member` and their whole downline under `sponsor` (None: no sponsor).

    Refuses the member itself, anyone in its downline, a sponsor that no longer exists
    and, when `by` (the staff user) lacks bonuses.move_branch, a member with followers.
    Levels of everyone below move with it; the history records `by`. Returns the member
    reloaded. Raises ValidationError on the field "sponsor".
    """
    lock_tree_exclusive()
    try:
        member = Member.objects.select_for_update().get(pk=member.pk)
    except Member.DoesNotExist as exc:
        raise ValidationError(_("This member no longer exists.")) from exc
    if sponsor is not None:
        try:
            sponsor = Member.objects.get(pk=sponsor.pk)
        except Member.DoesNotExist as exc:
            raise ValidationError({"sponsor": _("The chosen sponsor no longer exists.")}) from exc
    error = sponsor_change_error(member, sponsor) or branch_move_error(member, by)
    if error:
        raise ValidationError({"sponsor": error})
    if member.sponsor_id == (sponsor.pk if sponsor else None):
        return member

    figures_detach(member=member)
    if sponsor is None:
        lock_roots()
        last_root = Member.objects.get_last_root_node()
        Member.objects.move(member, last_root, "last-sibling")
    else:
        Member.objects.move(member, sponsor, "last-child")
    member = Member.objects.get(pk=member.pk)  # treebeard rewrote paths below it
    figures_attach(member=member)
    member.sponsor = sponsor
    if by is not None:
        member._history_user = by
    member._change_reason = "sponsor changed"
    member.save(update_fields=["sponsor", "updated_at"])
    return member


def member_remove_sponsor(*, member: Member, by=None) -> Member:
    return member_change_sponsor(member=member, sponsor=None, by=by)


def member_delete_error(member: Member) -> str | None:
    """Why `member` may not be deleted, or None. Reads only.

    A member leaves the club's records only when nothing hangs on them: no followers
    (the tree would lose a branch's sponsor), no payments and no ledger entries (closed
    months and balances are history)."""
    from bonuses.models import LedgerEntry, Payment

    if member.numchild:
        return _("%(member)s has followers: move them to another sponsor first.") % {
            "member": member
        }
    if Payment.objects.filter(member=member).exists():
        return _("%(member)s has payments: their months are part of the club's history.") % {
            "member": member
        }
    if LedgerEntry.objects.filter(member=member).exists():
        return _("%(member)s has ledger entries: their balance is part of the history.") % {
            "member": member
        }
    return None


@transaction.atomic
def member_delete(*, member: Member, by=None) -> None:
    """Delete a member with no followers, payments or ledger entries (a mistaken entry).

    Treebeard's own delete keeps the tree valid (the sponsor's child count); the history
    keeps the deleted row. Raises ValidationError saying why a member is refused.
    """
    lock_tree_exclusive()
    try:
        member = Member.objects.select_for_update().get(pk=member.pk)
    except Member.DoesNotExist as exc:
        raise ValidationError(_("This member no longer exists.")) from exc
    error = member_delete_error(member)
    if error:
        raise ValidationError(error)
    pk = member.pk
    figures_detach(member=member)
    member.delete()  # treebeard's: it deletes a fresh copy of the row
    if by is not None:
        # ...so the history's deletion row learns who did it here.
        gone = Member.history.filter(id=pk, history_type="-").latest("history_id")
        gone.history_user = by
        gone.save(update_fields=["history_user"])
