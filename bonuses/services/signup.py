"""Writes of the member's own side: signing up and naming a sponsor once."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber

from bonuses.models import Member

from .locks import lock_tree_exclusive
from .members import member_change_sponsor, member_enroll, member_update, sponsor_change_error

PROFILE_FIELDS = ("first_name", "last_name", "middle_name", "birth_date", "address")


def _as_e164(phone) -> str:
    if not phone:
        return ""
    if isinstance(phone, PhoneNumber):
        return phone.as_e164 if phone.is_valid() else str(phone)
    try:
        parsed = PhoneNumber.from_string(str(phone))
    except Exception:  # noqa: BLE001 - an unparsable phone is validated later, on the model
        return str(phone)
    return parsed.as_e164 if parsed.is_valid() else str(phone)


def self_referral_errors(*, sponsor: Member | None, email: str, phone) -> dict[str, str]:
    """{field: message} when this email or phone is the sponsor's own (self-referral)."""
    if sponsor is None:
        return {}
    message = _("This referral link is your own: you cannot invite yourself.")
    email = (email or "").strip().lower()
    if email and sponsor.email and email == sponsor.email.lower():
        return {"email": message}
    phone = _as_e164(phone)
    if phone and sponsor.phone and phone == sponsor.phone.as_e164:
        return {"phone": message}
    return {}


def _imported_member(email: str, phone: str) -> Member | None:
    """The member imported by staff (no login yet) with this email or phone."""
    match = Q()
    if email:
        match |= Q(email__iexact=email)
    if phone:
        match |= Q(phone=phone)
    if not match:
        return None
    found = list(Member.objects.select_for_update().filter(match)[:2])
    if len(found) > 1:
        raise ValidationError(
            {
                "email": _(
                    "This email and this phone belong to two different members of the club. "
                    "Please ask the front desk to sort it out."
                )
            }
        )
    if found and found[0].user_id is not None:
        field = "email" if email and found[0].email.lower() == email else "phone"
        raise ValidationError(
            {
                field: _("A login already exists for this %(field)s: log in instead.")
                % {"field": _("email") if field == "email" else _("phone")}
            }  # fmt: skip
        )
    return found[0] if found else None


@transaction.atomic
def member_signup(
    *,
    username: str,
    password: str,
    email: str,
    phone="",
    sponsor: Member | None = None,
    **profile,
) -> Member:
    """Create a login and its member in one transaction, under `sponsor` when given.

    A person the club already imported (same email or phone, no login yet) gets the login
    linked to that member instead of a duplicate; their place in the tree stays as staff
    entered it, unless they had no sponsor and the link names a valid one.
    Raises ValidationError naming the field; nothing is written then.
    """
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"member_signup() got unexpected fields: {', '.join(sorted(unknown))}")
    email = (email or "").strip().lower()
    phone = _as_e164(phone)
    errors = self_referral_errors(sponsor=sponsor, email=email, phone=phone)
    if errors:
        raise ValidationError(errors)
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    user = User(username=username, email=email, first_name=profile.get("first_name", ""))
    user.last_name = profile.get("last_name", "")
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()

    existing = _imported_member(email, phone)
    if existing is None:
        return member_enroll(sponsor=sponsor, user=user, email=email, phone=phone, **profile)
    filled = {k: v for k, v in profile.items() if v and not getattr(existing, k)}
    member = member_update(member=existing, user=user, **filled)
    if sponsor is not None and member.sponsor_id is None:
        if sponsor_change_error(member, sponsor) is None:
            member = member_change_sponsor(member=member, sponsor=sponsor)
    return member


def sponsor_lookup(text: str) -> Member | None:
    """The member named by an exact email, phone or referral code; never by name, so a
    member cannot search the club."""
    text = (text or "").strip()
    if not text:
        return None
    match = Q(referral_code=text)
    if "@" in text:
        match |= Q(email__iexact=text)
    phone = _as_e164(text)
    if phone.startswith("+"):
        match |= Q(phone=phone)
    found = list(Member.objects.filter(match)[:2])
    return found[0] if len(found) == 1 else None


@transaction.atomic
def member_name_sponsor(*, member: Member, text: str) -> Member:
    """A member without a sponsor names who invited them, once.

    Refuses a member who already has a sponsor (only staff change it then), an unknown
    person, themselves and anyone in their own downline. The check is repeated under the
    exclusive tree lock so that two requests cannot both set it.
    """
    lock_tree_exclusive()
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.sponsor_id is not None:
        raise ValidationError(
            {"sponsor": _("Your sponsor is already set; only the club's staff can change it.")}
        )
    sponsor = sponsor_lookup(text)
    if sponsor is None:
        raise ValidationError(
            {"sponsor": _("No member of the club has this email, phone or referral code.")}
        )
    if sponsor.pk == member.pk:
        raise ValidationError({"sponsor": _("You cannot name yourself as your sponsor.")})
    if sponsor.path.startswith(member.path):
        raise ValidationError(
            {"sponsor": _("This person is in your own downline and cannot be your sponsor.")}
        )
    return member_change_sponsor(member=member, sponsor=sponsor)
