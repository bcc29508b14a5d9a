"""Writes to members and the referral tree. The only place that moves tree nodes."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bonuses.models import Member

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
        return Member.objects.add_child(sponsor, instance=member)
    except Member.DoesNotExist as exc:
        raise ValidationError({"sponsor": _("The chosen sponsor no longer exists.")}) from exc


@transaction.atomic
def member_update(*, member: Member, by=None, **fields) -> Member:
    """Change a member's own data (not their place in the tree)."""
    unknown = set(fields) - set(MEMBER_FIELDS)
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


@transaction.atomic
def member_change_sponsor(*, member: Member, sponsor: Member | None, by=None) -> Member:
    """Move `member` and their whole downline under `sponsor` (None: no sponsor).

    Refuses the member itself, anyone in its downline and a sponsor that no longer
    exists. Levels of everyone below move with it. Returns the member reloaded.
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
    error = sponsor_change_error(member, sponsor)
    if error:
        raise ValidationError({"sponsor": error})
    if member.sponsor_id == (sponsor.pk if sponsor else None):
        return member

    if sponsor is None:
        lock_roots()
        last_root = Member.objects.get_last_root_node()
        Member.objects.move(member, last_root, "last-sibling")
    else:
        Member.objects.move(member, sponsor, "last-child")
    member = Member.objects.get(pk=member.pk)  # treebeard rewrote paths below it
    member.sponsor = sponsor
    if by is not None:
        member._history_user = by
    member._change_reason = "sponsor changed"
    member.save(update_fields=["sponsor", "updated_at"])
    return member


def member_remove_sponsor(*, member: Member, by=None) -> Member:
    return member_change_sponsor(member=member, sponsor=None, by=by)
