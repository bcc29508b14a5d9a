"""Writes of the member's own side: signing up."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber

from bonuses.models import Member, MemberClaim

from .claims import claim_start, claim_use_code
from .members import member_enroll

PROFILE_FIELDS = ("first_name", "last_name", "middle_name", "birth_date", "address")


def as_e164(phone) -> str:
    """A phone (text or PhoneNumber) as E.164 text when it parses, else as given ('' for
    none): the form members are matched and rate-limited by."""
    if not phone:
        return ""
    if isinstance(phone, PhoneNumber):
        return phone.as_e164 if phone.is_valid() else str(phone)
    try:
        parsed = PhoneNumber.from_string(str(phone))
    except Exception:  # noqa: BLE001 - an unparsable phone is validated later, on the model
        return str(phone)
    return parsed.as_e164 if parsed.is_valid() else str(phone)


def _matching_members(email: str, phone: str) -> list[Member]:
    """Members the club already has with this email or this phone (at most two: one
    by each), locked so that two sign-ups cannot race past each other."""
    match = Q()
    if email:
        match |= Q(email__iexact=email)
    if phone:
        match |= Q(phone=phone)
    if not match:
        return []
    return list(Member.objects.select_for_update().filter(match).order_by("pk")[:2])


@transaction.atomic
def member_signup(
    *,
    username: str,
    password: str,
    email: str,
    phone="",
    sponsor: Member | None = None,
    claim: MemberClaim | None = None,
    **profile,
):
    """Create a login and, for a new person, its member under `sponsor`. Returns the login.

    - With `claim` (a front-desk code checked by claims.claim_check_code): the login gets
      that member.
    - When the email or phone belongs to a member the club already has, the login gets
      no member: a claim goes to the email on file (claims.claim_start); the member's
      page, data and place in the tree stay out of reach until it is confirmed.
    - Otherwise a new member is enrolled, under `sponsor` when given (a referral link).
    Knowing an email or a phone proves nothing (DESIGN.md, "Who may do what"), and no
    message here says whom they belong to. Raises ValidationError naming the field;
    nothing is written then.
    """
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"member_signup() got unexpected fields: {', '.join(sorted(unknown))}")
    email = (email or "").strip().lower()
    phone = as_e164(phone)
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    user = User(username=username, email=email, first_name=profile.get("first_name", ""))
    user.last_name = profile.get("last_name", "")
    user.set_password(password)
    user.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same username signed up a moment ago
        raise ValidationError({"username": _("This username is taken.")}) from exc

    if claim is not None:
        member = claim_use_code(claim=claim, user=user)
        if sponsor is not None and member.sponsor_id is None:
            from .sponsor_requests import sponsor_request_from_signup

            sponsor_request_from_signup(member=member, sponsor=sponsor)
        return user
    existing = _matching_members(email, phone)
    if not existing:
        member_enroll(sponsor=sponsor, user=user, email=email, phone=phone, **profile)
        return user
    for member in existing:
        claim_start(user=user, member=member, sponsor=sponsor)
    return user


def sponsor_lookup(text: str) -> Member | None:
    """The member named by an exact email, phone or referral code; never by name, so a
    member cannot search the club."""
    text = (text or "").strip()
    if not text:
        return None
    match = Q(referral_code=text)
    if "@" in text:
        match |= Q(email__iexact=text)
    phone = as_e164(text)
    if phone.startswith("+"):
        match |= Q(phone=phone)
    found = list(Member.objects.filter(match)[:2])
    return found[0] if len(found) == 1 else None
