"""Sponsor requests: a member without a sponsor names who invited them (the 2018 "who
invited you?" feature); staff approve or reject. DESIGN.md, "Who may do what".

The member's answer is the same whoever they named (someone in their own structure, an
unknown person, a real sponsor): the request goes to staff, who see what it would move.
Only the plan's option for new members (Plan.sponsor_requests_at_once) applies one at
once, for a member with no followers within NEW_MEMBER_DAYS of joining.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bonuses.models import Member, SponsorRequest
from core.periods import current_period

from .members import member_change_sponsor, sponsor_change_error
from .plans import plan_for
from .signup import sponsor_lookup

NEW_MEMBER_DAYS = 30
REASON_LENGTH = 500


def _may_apply_at_once(member: Member, sponsor: Member | None) -> bool:
    if sponsor is None or member.numchild or sponsor_change_error(member, sponsor):
        return False
    if member.joined_on < timezone.localdate() - timedelta(days=NEW_MEMBER_DAYS):
        return False
    return plan_for(current_period()).sponsor_requests_at_once


@transaction.atomic
def sponsor_request_create(
    *, member: Member, text: str = "", sponsor: Member | None = None
) -> SponsorRequest:
    """`member` names who invited them, by `text` (an exact email, phone or referral code,
    as the member typed it) or by `sponsor` (a referral link's owner).

    The request waits for staff whoever it names, except under the plan's option for new
    members, when it is applied at once. Raises ValidationError on the field "sponsor"
    for a member who has a sponsor or a request waiting, and for naming oneself.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.sponsor_id is not None:
        raise ValidationError(
            {"sponsor": _("Your sponsor is already set; only the club's staff can change it.")}
        )
    if SponsorRequest.objects.filter(member=member, status=SponsorRequest.Status.PENDING).exists():
        raise ValidationError(
            {"sponsor": _("Your earlier request is still with the club's staff.")}
        )
    named_as = (text or "").strip()[:254] or (sponsor.referral_code if sponsor else "")
    if not named_as:
        raise ValidationError({"sponsor": _("Enter their email, phone number or referral code.")})
    if sponsor is None:
        sponsor = sponsor_lookup(named_as)
    if sponsor is not None and sponsor.pk == member.pk:
        raise ValidationError({"sponsor": _("You cannot name yourself as your sponsor.")})
    request = SponsorRequest(member=member, named_as=named_as, sponsor=sponsor)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:  # the same member asked a moment ago
        raise ValidationError(
            {"sponsor": _("Your earlier request is still with the club's staff.")}
        ) from exc
    if _may_apply_at_once(member, sponsor):
        member_change_sponsor(member=member, sponsor=sponsor)
        request.status = SponsorRequest.Status.APPROVED
        request.applied_at_once = True
        request.decided_at = timezone.now()
        request._change_reason = "applied at once (plan option for new members)"
        request.save(update_fields=["status", "applied_at_once", "decided_at"])
    return request


def sponsor_request_from_signup(*, member: Member, sponsor: Member) -> SponsorRequest | None:
    """The referral link a claimed member signed up through, as a request; None when the
    member cannot ask (already has a sponsor or a request, or the link was their own)."""
    try:
        with transaction.atomic():
            return sponsor_request_create(member=member, sponsor=sponsor)
    except ValidationError:
        return None


def _pending(sponsor_request: SponsorRequest) -> SponsorRequest:
    locked = SponsorRequest.objects.select_for_update().get(pk=sponsor_request.pk)
    if locked.status != SponsorRequest.Status.PENDING:
        raise ValidationError(_("This request was already decided."))
    return locked


@transaction.atomic
def sponsor_request_approve(*, sponsor_request: SponsorRequest, by) -> SponsorRequest:
    """Apply a pending request: the member and their branch move under the named sponsor
    through member_change_sponsor (tree lock, downline check, history by `by`).

    Raises ValidationError when the request is decided already, names nobody, or the
    move is refused (the member got a sponsor meanwhile, the sponsor is in their branch).
    """
    request = _pending(sponsor_request)
    if request.sponsor_id is None:
        raise ValidationError(
            _("“%(named)s” names no member of the club: reject the request.")
            % {"named": request.named_as}
        )
    member = Member.objects.get(pk=request.member_id)
    if member.sponsor_id is not None:
        raise ValidationError(_("%(member)s has a sponsor already.") % {"member": member})
    try:
        member_change_sponsor(member=member, sponsor=request.sponsor, by=by)
    except ValidationError as exc:
        raise ValidationError(exc.messages) from exc
    request.status = SponsorRequest.Status.APPROVED
    request.decided_at, request.decided_by = timezone.now(), by
    request._history_user = by
    request.save(update_fields=["status", "decided_at", "decided_by"])
    return request


@transaction.atomic
def sponsor_request_reject(*, sponsor_request: SponsorRequest, by, reason: str) -> SponsorRequest:
    """Close a pending request without moving anyone; `reason` (required, at most 500
    characters) is shown to the member on their page. Raises ValidationError on "reason"."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why: the member reads it on their page.")})
    if len(reason) > REASON_LENGTH:
        raise ValidationError(
            {"reason": _("At most %(limit)s characters.") % {"limit": REASON_LENGTH}}
        )
    request = _pending(sponsor_request)
    request.status = SponsorRequest.Status.REJECTED
    request.reason = reason
    request.decided_at, request.decided_by = timezone.now(), by
    request._history_user = by
    request.save(update_fields=["status", "reason", "decided_at", "decided_by"])
    return request
