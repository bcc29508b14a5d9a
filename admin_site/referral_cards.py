"""Referral funnel and QR cards in the admin (issue 17): the member list's "print
referral cards" action and the funnel card of a member's page.

Printing cards is a read of what the member list already shows (a member's first name
and referral link), so it asks for the permission to view members: both roles have it
(README, "Roles"). A card holds only what the member's own page shows.
"""

from django.contrib import messages
from django.utils.translation import gettext

from bonuses.selectors.funnel import member_funnel
from bonuses.views.me import card_of, referral_cards

# Ten cards a sheet; a mistaken "select all" on a large club must not draw 100 000 codes.
CARDS_LIMIT = 200


def print_cards(modeladmin, request, queryset):
    """The chosen members' cards on A4 sheets (ten a sheet), one page to print."""
    members = list(
        queryset.select_related(None)
        .order_by("last_name", "first_name", "pk")
        .only("first_name", "referral_code")[: CARDS_LIMIT + 1]
    )
    if len(members) > CARDS_LIMIT:
        modeladmin.message_user(
            request,
            gettext("Choose at most %(limit)s members to print cards for.")
            % {"limit": CARDS_LIMIT},
            messages.ERROR,
        )
        return None
    return referral_cards(request, [card_of(member) for member in members], "sheet")


def member_funnel_context(member) -> dict:
    """The member page's funnel card (admin_site/member_funnel.html): three queries."""
    return {"member_funnel": member_funnel(member=member)}
