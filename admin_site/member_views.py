"""The member admin's own pages: the paid toggle (JSON), a member's downline by level and
the member lookup. Each checks its permission and answers 403 without it."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_field
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from bonuses import services
from bonuses.models import LedgerEntry, Member, Payment
from bonuses.models.members import path_bounds
from bonuses.selectors import downline_branch, member_page
from bonuses.selectors.corrections import PaymentChange, payment_changes_corrections
from bonuses.services.plans import plan_terms
from bonuses.views.me import tree_context
from core.links import absolute_url, referral_url
from core.money import format_money
from core.periods import current_period, format_month, format_period, parse_month

from .member_page import DOWNLINE_CAP, downline_sizes, paid_ids
from .widgets import MemberPicker

VIEW_MEMBERS = "bonuses.view_member"
CHANGE_MEMBERS = "bonuses.change_member"
CHANGE_PAYMENTS = ("bonuses.add_payment", "bonuses.change_payment")
DOWNLINE_PAGE = 50


def can_change_payments(user) -> bool:
    return user.has_perms(CHANGE_PAYMENTS)


def _check(request, *permissions: str) -> None:
    if not request.user.has_perms(permissions):
        raise PermissionDenied


@require_POST
def payment_toggle(request, member_id: int):
    """Mark a member's month paid or unpaid (POST paid=1|0, period=YYYY-MM, default this
    month) through services.payment_set; answers the saved state as JSON. A change to a
    closed month answers 409 with the corrections it would post, and is saved only when
    posted again with confirm=1."""
    if not can_change_payments(request.user):
        return JsonResponse({"error": _("You may not change payments.")}, status=403)
    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        return JsonResponse({"error": _("This member no longer exists.")}, status=404)
    if request.POST.get("paid") not in ("0", "1"):
        return JsonResponse({"error": _("paid: expected 1 or 0.")}, status=400)
    text = request.POST.get("period") or ""
    try:
        period = parse_month(text) if text else current_period()
    except ValueError:
        return JsonResponse(
            {"error": _("period: “%(value)s” is not a month (YYYY-MM).") % {"value": text}},
            status=400,
        )
    paid = request.POST["paid"] == "1"
    if request.POST.get("confirm") != "1":
        preview = payment_changes_corrections([PaymentChange(member, period, paid)])
        if preview:
            return JsonResponse(_corrections_question(member, period, paid, preview), status=409)
    try:
        payment = services.payment_set(member=member, period=period, paid=paid, by=request.user)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse(
        {
            "member": member.pk,
            "period": format_month(period),
            "paid": bool(payment and payment.paid),
            "amount": str(payment.amount) if payment else None,
            # The payments list's other cells of the row, as the list shows them, so the
            # page need not be reloaded to see when and by whom (paid_toggle.html).
            "cells": _payment_cells(payment),
        }
    )


def _payment_cells(payment) -> dict[str, str]:
    empty = admin.site.empty_value_display
    if payment is None:
        return {"paid_on": empty, "recorded_by": empty}
    return {
        name: str(display_for_field(getattr(payment, name), Payment._meta.get_field(name), empty))
        for name in ("paid_on", "recorded_by")
    }


def _corrections_question(member: Member, period, paid: bool, preview) -> dict:
    """The toggle's question before a closed month's payment changes (the page asks it
    and posts again with confirm=1)."""
    from .confirmations import correction_rows

    month = format_period(period)
    question = (
        _("%(month)s is closed. Marking %(member)s paid posts these corrections, dated today:")
        if paid
        else _(
            "%(month)s is closed. Marking %(member)s not paid posts these corrections, dated today:"
        )
    ) % {"month": month, "member": member}
    rows = correction_rows(preview)
    lines = [f"{row['name']}: {row['amount']} ({row['what']})" for row in rows]
    return {
        "confirm": capfirst(question),
        "lines": lines,
        "total": _("Total: %(amount)s") % {"amount": format_money(preview.total)},
        "question": _("Save and post the corrections?"),
    }


def _level_counts(member: Member, levels: int) -> list[tuple[int, int | None]]:
    """(level, followers) for levels 1..`levels`. Exact for downlines up to DOWNLINE_CAP;
    above it only level 1 is counted (treebeard keeps numchild) and the others are None:
    counting them would mean reading most of the tree on every page."""
    if downline_sizes([member])[member.pk] > DOWNLINE_CAP:
        return [(k, member.numchild if k == 1 else None) for k in range(1, levels + 1)]
    low, high = path_bounds(member.path)
    rows = Member.objects.filter(path__gte=low, depth__lte=member.depth + levels)
    if high:
        rows = rows.filter(path__lt=high)
    counts = {
        row["depth"] - member.depth: row["n"]
        for row in rows.order_by().values("depth").annotate(n=Count("id"))
    }
    return [(k, counts.get(k, 0)) for k in range(1, levels + 1)]


# Far beyond any real list; an OFFSET past 64 bits made the database fail (a 500).
MAX_PAGE = 1_000_000


def page_number(text: str | None) -> int:
    """?page=N as a page number from 1 to MAX_PAGE (1 for anything else)."""
    try:
        return min(max(int(text or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


def downline_view(request, model_admin, member_id: int):
    """A member's followers, one level at a time (levels as deep as the plan pays)."""
    _check(request, VIEW_MEMBERS)
    member = get_object_or_404(Member.objects.select_related("sponsor"), pk=member_id)
    levels = plan_terms(current_period()).levels
    counts = _level_counts(member, levels)
    try:
        level = min(max(int(request.GET.get("level", 1)), 1), levels)
    except ValueError:
        level = 1
    low, high = path_bounds(member.path)
    rows = Member.objects.filter(path__gte=low, depth=member.depth + level)
    if high:
        rows = rows.filter(path__lt=high)
    number = page_number(request.GET.get("page"))
    start = (number - 1) * DOWNLINE_PAGE
    # One row more than the page tells whether there is a next one, without a count.
    followers = list(
        rows.select_related("sponsor").order_by("path")[start : start + DOWNLINE_PAGE + 1]
    )
    has_next = len(followers) > DOWNLINE_PAGE
    followers = followers[:DOWNLINE_PAGE]
    paid = paid_ids([m.pk for m in followers])
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Downline of %(member)s") % {"member": member},
        "opts": Member._meta,
        "member": member,
        "levels": counts,
        "level": level,
        "page_number": number,
        "has_next": has_next,
        "rows": [(m, m.pk in paid) for m in followers],
        "period": current_period(),
    }
    return TemplateResponse(request, "admin_site/member_downline.html", context)


def _asked_month(request):
    """?month=YYYY-MM (the months table's links): a past month, else None."""
    try:
        month = parse_month(request.GET.get("month") or "")
    except ValueError:
        return None
    return month if month < current_period() else None


def member_summary(member: Member, month=None) -> dict:
    """What the member sees on their own page, read by the member page's own selector
    (bonuses.selectors.member_page): the referral link, this month's statement (or that
    of `month`, a past first-of-month date: a closed one as its close stored it), the
    balance and next package, the first level of the downline tree and the last 12
    months."""
    page = member_page(member=member, month=month)
    return {
        "statement": page.month_statement or page.statement,
        "month_shown": page.month_statement is not None,
        "balance": page.balance,
        "months": page.months,
        **tree_context(member, page.downline),
        "link": referral_url(member.referral_code),
    }


def deferred(member: Member) -> bool:
    """Whether the member's figures load after the page: above DOWNLINE_CAP followers
    their live computation takes seconds, and the page must answer at once."""
    return downline_sizes([member])[member.pk] > DOWNLINE_CAP


def member_change_context(member: Member, user) -> dict:
    """Lazy: a save that redirects never renders them. A large downline's figures come
    from member_summary_view after the page has loaded. Ledger entries only for staff
    who may see the ledger (README, "Roles")."""
    can_view_ledger = user.has_perm("bonuses.view_ledgerentry")
    context = {
        "ledger_entries": SimpleLazyObject(
            lambda: list(
                LedgerEntry.objects.filter(member=member)
                .select_related("created_by")
                .order_by("-created_at", "-id")[:20]
            )
        )
        if can_view_ledger
        else None,
        "can_change_payments": can_change_payments(user),
        "can_view_ledger": can_view_ledger,
        "can_issue_claim_code": member.user_id is None and user.has_perm(CHANGE_MEMBERS),
    }
    if deferred(member):
        context["summary_url"] = reverse("admin:bonuses_member_summary", args=[member.pk])
    else:
        context["summary"] = SimpleLazyObject(lambda: member_summary(member))
    return context


def member_summary_view(request, member_id: int):
    """The member's figures as an HTML fragment (the change page and the lookup load it
    for a large downline). ?toggles=1 adds the paid toggles for staff allowed them."""
    _check(request, VIEW_MEMBERS)
    member = get_object_or_404(Member, pk=member_id)
    toggles = request.GET.get("toggles") == "1" and can_change_payments(request.user)
    month = _asked_month(request)
    context = {"member": member, "toggles": toggles, **member_summary(member, month)}
    return TemplateResponse(request, "admin_site/member_summary.html", context)


def member_tree_view(request, member_id: int, key: str = ""):
    """A branch of a member's downline tree, as the member's page opens it (the key is
    the branch's path below the member; ?after=<key> for its next page)."""
    _check(request, VIEW_MEMBERS)
    member = get_object_or_404(Member, pk=member_id)
    levels = plan_terms(current_period()).levels
    after = request.GET.get("after", "")
    branch = downline_branch(root=member, key=key, levels=levels, after=after)
    if branch is None or not (key or after):
        raise Http404
    return TemplateResponse(request, "bonuses/tree_branch.html", tree_context(member, branch))


@require_POST
def claim_code_view(request, model_admin, member_id: int):
    """Issue a front-desk claim code for a member without a login and show it once, to
    print or copy: only its HMAC is kept (bonuses.services.claims)."""
    _check(request, CHANGE_MEMBERS)
    member = get_object_or_404(Member, pk=member_id)
    try:
        issued = services.claim_issue_code(member=member, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("admin:bonuses_member_change", member.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Claim code for %(member)s") % {"member": member},
        "opts": Member._meta,
        "member": member,
        "code": issued.printable,
        "expires_at": issued.claim.expires_at,
        "signup_url": absolute_url(reverse("bonuses:signup")),
    }
    return TemplateResponse(request, "admin_site/member_claim_code.html", context)


def delete_members(request, model_admin, queryset):
    """The member list's delete action: a confirmation page that says which members go and
    why the others stay, then services.member_delete for each (one by one: a refusal of
    one keeps the others)."""
    # A fresh queryset: the list's (select_related sponsor) cannot feed a delete.
    members = list(Member.objects.filter(pk__in=queryset.values("pk")).order_by("pk")[:1001])
    if len(members) > 1000:
        messages.error(request, _("Choose at most 1000 members to delete."))
        return None
    if request.POST.get("post") == "yes":
        deleted, refused = 0, []
        for member in members:
            try:
                services.member_delete(member=member, by=request.user)
            except ValidationError as exc:
                refused.extend(exc.messages)
            else:
                deleted += 1
        if deleted:
            messages.success(
                request,
                ngettext("%(count)s member deleted.", "%(count)s members deleted.", deleted)
                % {"count": deleted},
            )
        for reason in refused:
            messages.error(request, reason)
        return None
    rows = [(member, services.member_delete_error(member)) for member in members]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Delete members"),
        "opts": Member._meta,
        "rows": rows,
        "deletable": [m for m, error in rows if error is None],
        "action": request.POST.get("action", "delete_members"),
    }
    return TemplateResponse(request, "admin_site/member_delete.html", context)


class LookupForm(forms.Form):
    member = forms.ModelChoiceField(
        label=gettext_lazy("Member"),
        queryset=Member.objects.all(),
        required=False,
        help_text=gettext_lazy(
            "Name or surname in any order, part of an email or phone, club number or login."
        ),
        widget=MemberPicker(Member._meta.get_field("sponsor")),
    )


def lookup_view(request, model_admin):
    """The 2018 system's admin search: find any member and see what they see."""
    _check(request, VIEW_MEMBERS)
    form = LookupForm(request.GET or None)
    member = form.cleaned_data["member"] if form.is_bound and form.is_valid() else None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Member lookup"),
        "opts": Member._meta,
        "form": form,
        "member": member,
    }
    if member is not None:
        month = _asked_month(request)
        if deferred(member):
            url = reverse("admin:bonuses_member_summary", args=[member.pk])
            context["summary_url"] = f"{url}?month={format_month(month)}" if month else url
        else:
            context.update(member_summary(member, month))
    return TemplateResponse(request, "admin_site/member_lookup.html", context)
