"""Claiming a member the club already has: the only way a login gets an existing member.

An email or a phone is no proof (anyone may know them). Proof is either
- an emailed link: sent to the email the club has ON FILE for the member (never to the
  address typed at sign-up), made for the login that asked, opened by that login; or
- a front-desk code: staff hand it to the person in front of them.
Both are single use, expire, and only an HMAC of their secret is stored. A code is
refused after CODE_ATTEMPTS wrong tries, so guessing it is hopeless even without the
rate limits of the pages (bonuses.views.limits). DESIGN.md, "Who may do what".
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from bonuses.models import Member, MemberClaim
from core.links import absolute_url

from .members import member_link_login, member_update

LINK_LIFETIME = timedelta(hours=48)
CODE_LIFETIME = timedelta(days=7)
CODE_ATTEMPTS = 5
# No 0/O, 1/I/L: a code is read off paper and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_SELECTOR = 4
CODE_SECRET = 8
_HMAC_SALT = "bonusdesk.claims"


def _hash(secret: str) -> str:
    return salted_hmac(_HMAC_SALT, secret, algorithm="sha256").hexdigest()


def _random(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _refusal() -> ValidationError:
    # One message whatever went wrong (unknown, wrong, used, expired, too many tries,
    # already linked): which of them it was would tell a guesser too much.
    return ValidationError(
        _(
            "This code does not work. Check it, or ask the front desk for a new one: a code "
            "works once, for %(days)s days."
        )
        % {"days": CODE_LIFETIME.days}
    )


def _create(*, member: Member, kind: str, secret: str, selector_length: int, **fields):
    """A claim row with a fresh selector; retried on the rare selector collision."""
    for _attempt in range(10):
        selector = (
            _random(selector_length)
            if kind == MemberClaim.Kind.CODE
            else secrets.token_urlsafe(selector_length)
        )
        try:
            with transaction.atomic():
                return MemberClaim.objects.create(
                    member=member, kind=kind, selector=selector, secret_hash=_hash(secret), **fields
                )
        except IntegrityError:
            continue
    raise RuntimeError("no free claim selector after 10 tries")


# --- emailed links ------------------------------------------------------------------


def claim_link_url(claim: MemberClaim, secret: str) -> str:
    """The absolute link of an emailed claim (built from SITE_URL, never the request)."""
    return absolute_url(reverse("bonuses:claim_link", args=[claim.selector, secret]))


def _send_link(claim: MemberClaim, secret: str) -> None:
    member = claim.member
    context = {
        "CLUB_NAME": settings.CLUB_NAME,
        "member": member,
        "username": claim.user.get_username(),
        "hours": int(LINK_LIFETIME.total_seconds() // 3600),
    }
    if member.user_id is None:
        template = "bonuses/claim_email.txt"
        context["link"] = claim_link_url(claim, secret)
    else:
        # The member has a login already: tell the owner, link nothing.
        template = "bonuses/claim_notice_email.txt"
        context["reset_link"] = absolute_url(reverse("bonuses:password_reset"))
    subject = render_to_string("bonuses/claim_subject.txt", context).strip()
    body = render_to_string(template, context)
    recipient = member.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [recipient]))


@transaction.atomic
def claim_start(*, user, member: Member, sponsor: Member | None = None) -> MemberClaim:
    """`user` (a new login) asks for `member`, whose email or phone it gave.

    Sends a one-time link to the member's email ON FILE (a notice instead when the member
    has a login already); with no email on file nothing is sent and the person needs a
    front-desk code. Earlier open links of this login for this member stop working.
    `sponsor` (the referral link used) becomes a sponsor request once the claim succeeds.
    Returns the claim; its `sent` says whether a mail went out.
    """
    now = timezone.now()
    MemberClaim.objects.filter(
        kind=MemberClaim.Kind.LINK, user=user, member=member, used_at__isnull=True
    ).update(used_at=now)
    secret = secrets.token_urlsafe(32)
    claim = _create(
        member=member,
        kind=MemberClaim.Kind.LINK,
        secret=secret,
        selector_length=9,
        user=user,
        sponsor=sponsor,
        sent=bool(member.email),
        expires_at=now + LINK_LIFETIME,
    )
    if claim.sent:
        _send_link(claim, secret)
    return claim


def claims_waiting(user) -> list[MemberClaim]:
    """The emailed claims this login asked for and has not used (expired ones too: the
    page offers to send them again). Newest first."""
    return list(
        MemberClaim.objects.filter(
            kind=MemberClaim.Kind.LINK, user=user, used_at__isnull=True
        ).order_by("-created_at")[:5]
    )


@transaction.atomic
def claim_resend(*, user) -> int:
    """Send this login's open claims again, each with a new link and lifetime (the old
    links stop working). Returns how many were sent."""
    sent = 0
    seen = set()
    for claim in claims_waiting(user):
        if claim.member_id in seen:
            continue
        seen.add(claim.member_id)
        member = Member.objects.filter(pk=claim.member_id).first()
        if member is not None:
            sent += claim_start(user=user, member=member, sponsor=claim.sponsor).sent
    return sent


def _usable(claim: MemberClaim | None, secret: str, now) -> bool:
    return (
        claim is not None
        and claim.open_at(now)
        and claim.attempts < CODE_ATTEMPTS
        and constant_time_compare(claim.secret_hash, _hash(secret))
    )


def _check(kind: str, selector: str, secret: str) -> MemberClaim:
    """The open claim `selector` + `secret` name, or ValidationError. A wrong secret for
    a real selector counts as an attempt, committed even though the caller fails."""
    now = timezone.now()
    with transaction.atomic():
        claim = MemberClaim.objects.select_for_update().filter(kind=kind, selector=selector).first()
        if _usable(claim, secret, now):
            return claim
        if claim is not None and claim.used_at is None:
            MemberClaim.objects.filter(pk=claim.pk).update(attempts=F("attempts") + 1)
    raise _refusal()


@transaction.atomic
def _complete(claim: MemberClaim, user, proof: str) -> Member:
    """Link `user` to the claim's member, once. The member's row is locked first, so
    claims on one member complete one after the other (and in one order: no deadlock);
    the claim is then re-checked under its own lock."""
    Member.objects.select_for_update().filter(pk=claim.member_id).first()
    claim = MemberClaim.objects.select_for_update().get(pk=claim.pk)
    now = timezone.now()
    if not claim.open_at(now) or claim.attempts >= CODE_ATTEMPTS:
        raise _refusal()
    if claim.user_id is not None and claim.user_id != user.pk:
        raise _refusal()
    try:
        member = member_link_login(member=claim.member, user=user, proof=proof)
    except ValidationError as exc:
        raise _refusal() from exc
    if (
        claim.kind == MemberClaim.Kind.CODE
        and not member.email
        and user.email
        and not Member.objects.filter(email__iexact=user.email).exists()
    ):
        # The person stood at the desk: the email they signed up with becomes the one on
        # file (for statements and the next password reset).
        member = member_update(member=member, email=user.email)
    claim.used_at = now
    claim.user = user
    claim.save(update_fields=["used_at", "user"])
    # Whatever else was open for this member is moot now (the login's claims on other
    # members fail by themselves: it has a member).
    MemberClaim.objects.filter(member=member, used_at__isnull=True).update(used_at=now)
    if claim.sponsor_id and member.sponsor_id is None:
        from .sponsor_requests import sponsor_request_from_signup

        sponsor_request_from_signup(member=member, sponsor=claim.sponsor)
    return member


def claim_link_open(*, selector: str, secret: str, user) -> bool:
    """Whether the emailed link would work for `user` now. Reads only (the confirmation
    page shows it before the POST that uses it)."""
    claim = MemberClaim.objects.filter(kind=MemberClaim.Kind.LINK, selector=selector).first()
    return _usable(claim, secret, timezone.now()) and claim.user_id == user.pk


def claim_confirm_link(*, selector: str, secret: str, user) -> Member:
    """The login that asked opened the emailed link and confirmed: link it.

    Raises ValidationError (one message for every failure) for an unknown, wrong, used or
    expired link, a link made for another login, or a member linked meanwhile.
    """
    claim = _check(MemberClaim.Kind.LINK, selector, secret)
    return _complete(claim, user, proof=_("claimed through the link sent to the email on file"))


# --- front-desk codes ------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    claim: MemberClaim
    code: str  # shown once, to the staff member who issued it: never stored

    @property
    def printable(self) -> str:
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))


@transaction.atomic
def claim_issue_code(*, member: Member, by) -> IssuedCode:
    """A front-desk code for `member` (who has no login yet). Earlier codes of the member
    stop working. Raises ValidationError when the member has a login already."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.user_id is not None:
        raise ValidationError(_("This member already has a login: nothing to claim."))
    now = timezone.now()
    MemberClaim.objects.filter(
        kind=MemberClaim.Kind.CODE, member=member, used_at__isnull=True
    ).update(used_at=now)
    secret = _random(CODE_SECRET)
    claim = _create(
        member=member,
        kind=MemberClaim.Kind.CODE,
        secret=secret,
        selector_length=CODE_SELECTOR,
        created_by=by,
        expires_at=now + CODE_LIFETIME,
    )
    return IssuedCode(claim=claim, code=claim.selector + secret)


def code_selector(code: str) -> str:
    """The public half of a typed code (what the pages count attempts on)."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:CODE_SELECTOR]


def _split_code(code: str) -> tuple[str, str]:
    text = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    if len(text) != CODE_SELECTOR + CODE_SECRET or set(text) - set(CODE_ALPHABET):
        raise _refusal()
    return text[:CODE_SELECTOR], text[CODE_SELECTOR:]


def claim_check_code(*, code: str) -> MemberClaim:
    """The open claim a front-desk code names, or ValidationError (wrong tries count).

    Run it in its own transaction before the write it guards (a sign-up), so that a
    failed sign-up still spends the attempt."""
    selector, secret = _split_code(code)
    return _check(MemberClaim.Kind.CODE, selector, secret)


def claim_use_code(*, claim: MemberClaim, user) -> Member:
    """Link `user` (a login without a member) to the member of a checked code."""
    return _complete(claim, user, proof=_("claimed with a front-desk code"))


def claim_redeem_code(*, code: str, user) -> Member:
    """claim_check_code then claim_use_code: a logged-in login brings a desk code."""
    return claim_use_code(claim=claim_check_code(code=code), user=user)
