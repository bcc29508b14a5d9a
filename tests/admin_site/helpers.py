"""Helpers shared by the admin tests."""

from bonuses.models import Member


def change_data(member: Member, **overrides) -> dict:
    """The member form's POST for `member` as it stands, with `overrides`."""
    data = {
        "last_name": member.last_name,
        "first_name": member.first_name,
        "middle_name": member.middle_name,
        "sponsor": member.sponsor_id or "",
        "user": member.user_id or "",
        "phone": str(member.phone or ""),
        "email": member.email,
        "address": member.address,
        "birth_date": "",
        "external_id": member.external_id,
        "joined_on": member.joined_on.isoformat(),
        "_save": "Save",
    }
    if member.statement_emails:
        data["statement_emails"] = "on"
    data.update(overrides)
    return data
