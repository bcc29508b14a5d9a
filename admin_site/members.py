"""Members: a paginated list (never treebeard's whole-tree changelist or move form), with
per-page figures, a one-click paid toggle, index-only search, payment bulk actions and a
sponsor change that is confirmed with the size of the subtree it moves."""

from functools import lru_cache

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import get_script_prefix, path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from unfold import admin as unfold_admin
from unfold.admin import ModelAdmin
from unfold.paginator import InfinitePaginator

from bonuses import services
from bonuses.models import Member
from core.money import format_money
from core.periods import format_month

from . import member_views
from .history import HistoryAdmin
from .member_filters import HasSponsorFilter, JoinedMonthFilter, PaidThisMonthFilter
from .member_forms import MemberForm, MonthActionForm
from .member_page import DOWNLINE_CAP, MemberChangeList
from .member_search import member_search_q

# Bulk payment actions run one service call per member: keep a mistaken "select all"
# on a million members from holding the month's lock for an hour.
BULK_LIMIT = 1000


_PK_MARK = 987654321


@lru_cache(maxsize=32)
def _url_pattern(name: str, prefix: str) -> str:
    return reverse(name, args=[_PK_MARK])


def member_url(name: str, pk: int) -> str:
    """reverse() for a member's page, without resolving the URL conf on each of the 50
    rows (reverse is the dearest part of rendering a row)."""
    return _url_pattern(name, get_script_prefix()).replace(str(_PK_MARK), str(pk))


@lru_cache(maxsize=1)
def _checkbox_pattern() -> str:
    return unfold_admin.checkbox.render(ACTION_CHECKBOX_NAME, str(_PK_MARK))


def action_checkbox_html(pk: int) -> str:
    """Unfold's row checkbox, rendered through the template engine once and then filled
    in: rendering that widget for each of the 50 rows was a tenth of the list's time."""
    return mark_safe(_checkbox_pattern().replace(str(_PK_MARK), str(int(pk))))


def paid_toggle(member_id: int, period, paid: bool) -> str:
    """The one-click paid button (admin_site/paid_toggle.html's script drives it)."""
    return format_html(
        '<button type="button" class="bd-paid-toggle" data-url="{}" data-period="{}" '
        'data-paid="{}" aria-pressed="{}">{}</button>',
        member_url("admin:bonuses_member_paid", member_id),
        format_month(period),
        "1" if paid else "0",
        "true" if paid else "false",
        gettext("Paid") if paid else gettext("Not paid"),
    )


@admin.register(Member)
class MemberAdmin(HistoryAdmin, ModelAdmin):
    form = MemberForm
    action_form = MonthActionForm
    list_display = [
        "name",
        "contact",
        "sponsor",
        "level",
        "downline",
        "paid_this_month",
        "closed_balance",
    ]
    list_display_links = ["name"]
    list_select_related = ["sponsor"]
    list_filter = [PaidThisMonthFilter, HasSponsorFilter, JoinedMonthFilter]
    search_fields = ["last_name"]  # shows the search box; member_search_q does the work
    search_help_text = _(
        "Surname (then first name), username, email, phone, club number or referral code."
    )
    ordering = ["-pk"]
    autocomplete_fields = ["sponsor", "user"]
    readonly_fields = ["referral_code", "depth", "created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "last_name",
                    "first_name",
                    "middle_name",
                    "sponsor",
                    "confirm_move",
                    "user",
                ]
            },
        ),
        (_("Contact"), {"fields": ["phone", "email", "address", "birth_date"]}),
        (_("Club"), {"fields": ["external_id", "joined_on", "referral_code", "depth"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    actions = ["mark_paid", "mark_unpaid", "delete_members"]
    list_per_page = 50
    paginator = InfinitePaginator
    show_full_result_count = False
    list_after_template = "admin_site/paid_toggle.html"
    # Unfold's row template asks for `list_sections` twice per row; when the attribute is
    # missing, Django's template engine calls dir() on this admin to tell a missing
    # attribute from a failing property: a fifth of the list's CPU time, for nothing.
    list_sections = []
    change_form_outer_after_template = "admin_site/member_change_extras.html"

    # --- list ---------------------------------------------------------------------

    def action_checkbox(self, member):
        return action_checkbox_html(member.pk)

    action_checkbox.short_description = ModelAdmin.action_checkbox.short_description

    def get_changelist(self, request, **kwargs):
        return MemberChangeList

    def get_search_results(self, request, queryset, search_term):
        match = member_search_q(search_term)
        return (queryset if match is None else queryset.filter(match)), False

    @admin.display(description=_("name"), ordering="last_name")
    def name(self, member):
        return str(member)

    @admin.display(description=_("contact"))
    def contact(self, member):
        parts = [str(member.phone) if member.phone else "", member.email]
        return format_html("{}<br><span class='text-xs'>{}</span>", *parts)

    @admin.display(description=_("level"), ordering="depth")
    def level(self, member):
        return member.depth

    @admin.display(description=_("downline"))
    def downline(self, member):
        size = member.page_figures.downline
        text = f"{intcomma(DOWNLINE_CAP)}+" if size > DOWNLINE_CAP else str(size)
        return format_html(
            '<a href="{}" class="text-primary-600">{}</a>',
            member_url("admin:bonuses_member_downline", member.pk),
            text,
        )

    @admin.display(description=_("paid this month"))
    def paid_this_month(self, member):
        paid = member.page_figures.paid
        if not member.can_toggle_paid:
            return gettext("Paid") if paid else gettext("Not paid")
        return paid_toggle(member.pk, member.page_figures.period, paid)

    @admin.display(description=_("closed balance"))
    def closed_balance(self, member):
        return format_money(member.page_figures.closed_balance)

    # --- who may do what (README, "Roles") -----------------------------------------

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("bonuses.link_login"):
            fields.append("user")  # shown, never posted: linking logins is for administrators
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"staff": request.user})

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Django's own would delete through the collector, around the tree and its rules.
        actions.pop("delete_selected", None)
        return actions

    # --- bulk actions ---------------------------------------------------------------

    def has_payments_permission(self, request):
        return member_views.can_change_payments(request.user)

    @admin.action(description=_("Mark paid for the chosen month"), permissions=["payments"])
    def mark_paid(self, request, queryset):
        self._set_paid(request, queryset, paid=True)

    @admin.action(description=_("Mark not paid for the chosen month"), permissions=["payments"])
    def mark_unpaid(self, request, queryset):
        self._set_paid(request, queryset, paid=False)

    def _set_paid(self, request, queryset, *, paid: bool) -> None:
        try:
            period = MonthActionForm.month_of(request.POST.get("month"))
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        members = list(queryset.order_by("pk")[: BULK_LIMIT + 1])
        if len(members) > BULK_LIMIT:
            self.message_user(
                request,
                gettext("Choose at most %(limit)s members for a payment action.")
                % {"limit": BULK_LIMIT},
                messages.ERROR,
            )
            return
        try:
            changed = services.payments_set_batch(
                members=members, period=period, paid=paid, by=request.user
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        template = (
            ngettext(
                "%(month)s: %(count)s member marked paid.",
                "%(month)s: %(count)s members marked paid.",
                changed,
            )
            if paid
            else ngettext(
                "%(month)s: %(count)s member marked not paid.",
                "%(month)s: %(count)s members marked not paid.",
                changed,
            )
        )
        self.message_user(request, template % {"month": format_month(period), "count": changed})

    @admin.action(description=_("Delete selected members"), permissions=["delete"])
    def delete_members(self, request, queryset):
        return member_views.delete_members(request, self, queryset)

    def delete_view(self, request, object_id, extra_context=None):
        member = Member.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        error = services.member_delete_error(member) if member is not None else None
        if error and self.has_delete_permission(request, member):
            self.message_user(request, error, messages.ERROR)
            return redirect(member_url("admin:bonuses_member_change", member.pk))
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        services.member_delete(member=obj, by=request.user)

    # --- pages --------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        pages = [
            path(
                "<int:member_id>/paid/",
                view(member_views.payment_toggle),
                name="bonuses_member_paid",
            ),
            path(
                "<int:member_id>/downline/",
                view(self._downline),
                name="bonuses_member_downline",
            ),
            path("lookup/", view(self._lookup), name="bonuses_member_lookup"),
            path(
                "<int:member_id>/claim-code/",
                view(self._claim_code),
                name="bonuses_member_claim_code",
            ),
        ]
        return pages + super().get_urls()

    def _downline(self, request, member_id):
        return member_views.downline_view(request, self, member_id)

    def _lookup(self, request):
        return member_views.lookup_view(request, self)

    def _claim_code(self, request, member_id):
        return member_views.claim_code_view(request, self, member_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        member = Member.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if member is not None and self.has_view_permission(request, member):
            extra_context = {
                **(extra_context or {}),
                **member_views.member_change_context(member, request.user),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    # --- saving through the services ----------------------------------------------

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name]
            for name in services.members.MEMBER_FIELDS
            if name in form.cleaned_data and name != "user"
        }
        try:
            if not change:
                saved = services.member_enroll(
                    sponsor=form.cleaned_data.get("sponsor"), by=request.user, **fields
                )
                obj.pk = saved.pk
            else:
                services.member_update(member=obj, by=request.user, **fields)
                if "sponsor" in form.changed_data:
                    services.member_change_sponsor(
                        member=obj, sponsor=form.cleaned_data["sponsor"], by=request.user
                    )
            if "user" in form.changed_data:
                services.member_link_login(
                    member=obj, user=form.cleaned_data["user"], by=request.user
                )
        except ValidationError as exc:  # raced with another change after clean()
            self.message_user(request, "; ".join(exc.messages), level="error")
            raise
