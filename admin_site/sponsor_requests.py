"""Sponsor requests: the pending list (with what each move carries and which open months it
changes), a badge on the sidebar, and a page to approve or reject one. Deciding needs
bonuses.change_sponsorrequest (administrators); the writes are the services'."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.views import ChangeList
from unfold.widgets import UnfoldAdminTextareaWidget, UnfoldBooleanWidget

from bonuses import services
from bonuses.models import Member, SponsorRequest
from bonuses.selectors.sponsor_requests import move_effects, pending_sponsor_requests
from bonuses.services.sponsor_requests import REASON_LENGTH
from core.periods import format_month

from .history import HistoryAdmin

DECIDE = "bonuses.change_sponsorrequest"


def pending_badge(request):
    """The sidebar's badge: requests waiting for staff (nothing when none)."""
    if not request.user.has_perm("bonuses.view_sponsorrequest"):
        return None
    return pending_sponsor_requests() or None


class StatusFilter(admin.SimpleListFilter):
    """Waiting requests by default: that is the list's job."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*SponsorRequest.Status.choices, ("all", _("All"))]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            selected = self.value() == value or (
                self.value() is None and value == SponsorRequest.Status.PENDING
            )
            yield {
                "selected": selected,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or SponsorRequest.Status.PENDING
        if value == "all":
            return queryset
        if value not in SponsorRequest.Status.values:
            return queryset.none()
        return queryset.filter(status=value)


class RequestChangeList(ChangeList):
    """Attaches each pending row's MoveEffect, for the page's rows only (a fixed number of
    queries: bonuses.selectors.sponsor_requests.move_effects)."""

    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)
        pending = [r.member for r in rows if r.status == SponsorRequest.Status.PENDING]
        effects = move_effects(pending)
        for row in rows:
            row.effect = effects.get(row.member_id)


def months_text(months) -> str:
    return ", ".join(format_month(p) for p in months) or gettext("none")


@admin.register(SponsorRequest)
class SponsorRequestAdmin(HistoryAdmin, ModelAdmin):
    list_display = ["member", "named_as", "sponsor", "moving", "months", "created_at", "status"]
    list_display_links = ["member", "named_as"]
    list_filter = [StatusFilter]
    list_select_related = ["member", "sponsor"]
    ordering = ["created_at", "id"]  # oldest waiting first
    search_fields = ["member__last_name", "named_as"]
    list_per_page = 50

    def get_changelist(self, request, **kwargs):
        return RequestChangeList

    def has_add_permission(self, request):
        return False  # members ask from their page

    def has_delete_permission(self, request, obj=None):
        return False  # a decision is history; a pending request is rejected with a reason

    @admin.display(description=_("members moving"))
    def moving(self, row):
        return row.effect.moving if getattr(row, "effect", None) else "—"

    @admin.display(description=_("open months changed"))
    def months(self, row):
        return months_text(row.effect.months) if getattr(row, "effect", None) else "—"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return decide_view(request, self, object_id)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    confirm = forms.BooleanField(required=False, widget=UnfoldBooleanWidget)
    reason = forms.CharField(
        label=_("Reason (the member reads it)"),
        required=False,
        max_length=REASON_LENGTH,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "approve" and not data.get("confirm"):
            self.add_error("confirm", gettext("Tick the box to confirm the move."))
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", gettext("Say why: the member reads it on their page."))
        return data


def _confirm_label(member: Member, sponsor: Member | None, moving: int) -> str:
    if sponsor is None:
        return ""
    # The wording of the member form's own move confirmation (member_forms.py).
    return gettext(
        "Yes, move %(member)s and their %(followers)s followers (%(count)s members) "
        "under %(sponsor)s."
    ) % {"member": member, "followers": moving - 1, "count": moving, "sponsor": sponsor}


def decide_view(request, model_admin, object_id):
    """One request: who asked, whom they named, what approving would move and change;
    approve (with the admin move's confirmation) or reject with a reason."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    if not str(object_id).isdigit():
        raise Http404
    sponsor_request = get_object_or_404(
        SponsorRequest.objects.select_related("member", "sponsor", "decided_by"), pk=object_id
    )
    member = sponsor_request.member
    pending = sponsor_request.status == SponsorRequest.Status.PENDING
    effect = move_effects([member])[member.pk] if pending else None
    may_decide = pending and request.user.has_perm(DECIDE)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == "approve":
                    services.sponsor_request_approve(
                        sponsor_request=sponsor_request, by=request.user
                    )
                    messages.success(
                        request,
                        ngettext(
                            "%(member)s moved under %(sponsor)s (%(count)s member).",
                            "%(member)s moved under %(sponsor)s (%(count)s members).",
                            effect.moving,
                        )
                        % {
                            "member": member,
                            "sponsor": sponsor_request.sponsor,
                            "count": effect.moving,
                        },
                    )
                else:
                    services.sponsor_request_reject(
                        sponsor_request=sponsor_request,
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(request, gettext("Request rejected; the member sees why."))
            except ValidationError as exc:
                for field, errors in getattr(exc, "error_dict", {None: exc.error_list}).items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                return redirect("admin:bonuses_sponsorrequest_changelist")
    error = None
    if pending:
        if sponsor_request.sponsor is None:
            error = gettext("“%(named)s” names no member of the club.") % {
                "named": sponsor_request.named_as
            }
        else:
            error = services.sponsor_change_error(member, sponsor_request.sponsor)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("Sponsor request of %(member)s") % {"member": member},
        "opts": SponsorRequest._meta,
        "original": sponsor_request,
        "sponsor_request": sponsor_request,
        "member": member,
        "effect": effect,
        "months": months_text(effect.months) if effect else "",
        "move_error": error,
        "may_decide": may_decide,
        "form": form,
        "confirm_label": _confirm_label(member, sponsor_request.sponsor, effect.moving)
        if effect
        else "",
    }
    return TemplateResponse(request, "admin_site/sponsor_request.html", context)
