"""Warnings before consequences: a page that says what a save will do (the corrections a
closed month's payment posts, the members a sponsor change moves) and saves only when
staff confirm it. The page posts the same form again with `_confirmed=yes`; until then
nothing is written."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from bonuses.selectors.corrections import CorrectionsPreview
from core.money import format_money
from core.periods import format_period

CONFIRM_FIELD = "_confirmed"


def confirmed(request) -> bool:
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == "yes"


def _carried(request) -> list[tuple[str, str]]:
    """The POST data to send again, as (name, value) pairs (lists kept)."""
    skip = {"csrfmiddlewaretoken", CONFIRM_FIELD}
    return [(k, v) for k, values in request.POST.lists() if k not in skip for v in values]


def correction_part(line) -> str:
    """What a planned correction is, in words (bonuses.selectors.corrections lines)."""
    if line.part == "referred":
        return _("referred bonus for their own payment")
    if line.part == "own_activity":
        return _("their own earnings from their downline")
    return _("commission at level %(level)s from %(payer)s") % {
        "level": line.level,
        "payer": line.payer_name,
    }


def correction_rows(preview: CorrectionsPreview) -> list[dict]:
    return [
        {
            "member_id": line.member_id,
            "name": line.name,
            "what": correction_part(line),
            "month": format_period(line.period),
            "amount": format_money(line.amount),
            "credit": line.amount > 0,
        }
        for line in preview.lines
    ]


def confirmation_page(
    request,
    *,
    title: str,
    facts: list[str],
    button: str,
    cancel_url: str,
    corrections: CorrectionsPreview | None = None,
    months: list[dict] | None = None,
    opts=None,
) -> TemplateResponse:
    """The page that asks before saving. `facts`: sentences saying what will happen;
    `corrections`: their table (who, what, how much); `months`: rows of open months a
    move changes."""
    context = {
        **admin.site.each_context(request),
        "title": title,
        "opts": opts,
        "facts": [capfirst(fact) for fact in facts],
        "button": button,
        "cancel_url": cancel_url,
        "carried": _carried(request),
        "confirm_field": CONFIRM_FIELD,
        "corrections": correction_rows(corrections) if corrections else [],
        "corrections_total": format_money(corrections.total) if corrections else "",
        "months": months or [],
        "action_url": request.get_full_path(),
    }
    return TemplateResponse(request, "admin_site/confirm.html", context)
