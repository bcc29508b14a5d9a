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
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from unfold import admin as unfold_admin
from unfold.admin import ModelAdmin

from bonuses import services
from bonuses.models import Member
from bonuses.selectors.corrections import PaymentChange, payment_changes_corrections
from bonuses.selectors.moves import sponsor_move
from bonuses.selectors.search import member_search
from core.money import format_money
from core.periods import format_month, format_period

from . import member_views, referral_cards
from .confirmations import confirmation_page, confirmed
from .history import HistoryAdmin
from .member_filters import HasSponsorFilter, JoinedMonthFilter, PaidThisMonthFilter
from .member_forms import MemberForm, MonthActionForm
from .member_page import DOWNLINE_CAP, MemberChangeList
from .paging import UncountedPages

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


@lru_cache(maxsize=8)
def _checkbox_pattern(language: str | None) -> str:
    # Once per language: the widget's label ("Select record") is translated.
    return unfold_admin.checkbox.render(ACTION_CHECKBOX_NAME, str(_PK_MARK))


def action_checkbox_html(pk: int) -> str:
    """Unfold's row checkbox, rendered through the template engine once and then filled
    in: rendering that widget for each of the 50 rows was a tenth of the list's time."""
    pattern = _checkbox_pattern(get_language())
    return mark_safe(pattern.replace(str(_PK_MARK), str(int(pk))))


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
class MemberAdmin(UncountedPages, HistoryAdmin, ModelAdmin):
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
    search_fields = ["last_name"]  # shows the search box; member_search does the work
    search_help_text = _(
        "Name or surname in any order, part of an email or phone (8 701…, +7 701…, 701…), "
        "club number, login or referral code."
    )
    ordering = ["-pk"]
    autocomplete_fields = ["sponsor", "user"]
    readonly_fields = ["referral_code", "level", "created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "last_name",
                    "first_name",
                    "middle_name",
                    "sponsor",
                    "user",
                ]
            },
        ),
        # Statements by email: a member who turned them off by mistake asks the desk.
        (_("Contact"), {"fields": ["phone", "email", "address", "birth_date", "statement_emails"]}),
        (_("Club"), {"fields": ["external_id", "joined_on", "referral_code", "level"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    actions = ["mark_paid", "mark_unpaid", "print_cards", "delete_members"]
    list_per_page = 50
    list_after_template = "admin_site/paid_toggle.html"
    # Unfold's row template asks for `list_sections` twice per row; when the attribute is
    # missing, Django's template engine calls dir() on this admin to tell a missing
    # attribute from a failing property: a fifth of the list's CPU time, for nothing.
    list_sections = []
    change_form_outer_after_template = "admin_site/member_change_extras.html"

    # --- list ---------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            return self.fieldsets
        # A new member's code and level come with the save: nothing to show yet.
        hidden = {"referral_code", "level", "created_at", "updated_at"}
        return [
            (title, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for title, options in self.fieldsets
            if any(f not in hidden for f in options["fields"])
        ]

    def action_checkbox(self, member):
        return action_checkbox_html(member.pk)

    action_checkbox.short_description = ModelAdmin.action_checkbox.short_description

    def get_changelist(self, request, **kwargs):
        return MemberChangeList

    def get_search_results(self, request, queryset, search_term):
        # Also the autocomplete of every member picker (sponsor, payment, ledger, lookup).
        return member_search(search_term, queryset), False

    @admin.display(description=_("full name"), ordering="last_name")
    def name(self, member):
        return str(member)

    @admin.display(description=_("contact"))
    def contact(self, member):
        phone = member.phone.as_international if member.phone and member.phone.is_valid() else ""
        phone = phone or str(member.phone or "")
        parts = [phone, member.email]
        return format_html("{}<br><span class='text-xs'>{}</span>", *parts)

    @admin.display(description=_("level in the tree"), ordering="depth")
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
        return self._set_paid(request, queryset, paid=True)

    @admin.action(description=_("Mark not paid for the chosen month"), permissions=["payments"])
    def mark_unpaid(self, request, queryset):
        return self._set_paid(request, queryset, paid=False)

    def _corrections_page(self, request, preview, period, *, paid: bool):
        month = format_period(period)
        facts = [
            gettext(
                "%(month)s is closed: its bonuses are in the ledger already. Marking "
                "%(count)s payment(s) %(state)s posts the corrections below, dated today; "
                "the closed month itself stays as it was."
            )
            % {
                "month": month,
                "count": preview.changes,
                "state": gettext("paid") if paid else gettext("not paid"),
            },
        ]
        return confirmation_page(
            request,
            title=gettext("Corrections for %(month)s") % {"month": month},
            facts=facts,
            button=gettext("Save and post the corrections"),
            cancel_url=request.get_full_path(),
            corrections=preview,
            opts=self.model._meta,
        )

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
        if not confirmed(request):
            preview = payment_changes_corrections(
                PaymentChange(member, period, paid) for member in members
            )
            if preview:
                return self._corrections_page(request, preview, period, paid=paid)
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
        self.message_user(request, template % {"month": format_period(period), "count": changed})

    @admin.action(description=_("Print referral cards"), permissions=["view"])
    def print_cards(self, request, queryset):
        return referral_cards.print_cards(self, request, queryset)

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
                "<int:member_id>/summary/",
                view(member_views.member_summary_view),
                name="bonuses_member_summary",
            ),
            path(
                "<int:member_id>/tree/<str:key>/",
                view(member_views.member_tree_view),
                name="bonuses_member_tree",
            ),
            # The first level's next page ("Show more" with ?after=).
            path(
                "<int:member_id>/tree/",
                view(member_views.member_tree_view),
                name="bonuses_member_tree_root",
            ),
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

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A sponsor change is shown on its own page first: how many members move and
        which open months' bonuses change; it is saved only when confirmed."""
        if request.method == "POST" and object_id and not confirmed(request):
            page = self._move_confirmation(request, object_id)
            if page is not None:
                return page
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _move_confirmation(self, request, object_id):
        member = self.get_object(request, object_id)
        if member is None or not self.has_change_permission(request, member):
            return None
        form = self.get_form(request, member, change=True)(
            request.POST, request.FILES, instance=Member.objects.get(pk=member.pk)
        )
        if not (form.is_valid() and form.moves):
            return None  # the normal flow shows the form's errors or saves
        sponsor = form.cleaned_data.get("sponsor")
        move = sponsor_move(member=member)
        values = {
            "member": member,
            "sponsor": sponsor,
            "old": member.sponsor,
            "count": move.members,
            "followers": move.members - 1,
        }
        if sponsor is None:
            facts = [
                gettext(
                    "%(member)s will have no sponsor. They move with their %(followers)s "
                    "followers: %(count)s members in all."
                )
                % values
            ]
        elif member.sponsor is None:
            facts = [
                gettext(
                    "%(member)s, who has no sponsor now, moves under %(sponsor)s with their "
                    "%(followers)s followers: %(count)s members in all."
                )
                % values
            ]
        else:
            facts = [
                gettext(
                    "%(member)s moves from under %(old)s to under %(sponsor)s with their "
                    "%(followers)s followers: %(count)s members in all."
                )
                % values
            ]
        if move.months:
            facts.append(
                gettext(
                    "The bonuses of these open months change (their old and new uplines "
                    "earn differently); closed months stay as they were:"
                )
            )
        else:
            facts.append(
                gettext(
                    "No open month's bonuses change: nobody who moves has paid for a month "
                    "that is still open."
                )
            )
        return confirmation_page(
            request,
            title=gettext("Change the sponsor of %(member)s?") % values,
            facts=facts,
            button=gettext("Yes, move %(count)s members") % values,
            cancel_url=request.get_full_path(),
            months=[
                {"month": format_period(period), "payments": count} for period, count in move.months
            ],
            opts=self.model._meta,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        member = Member.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if member is not None and self.has_view_permission(request, member):
            extra_context = {
                **(extra_context or {}),
                **member_views.member_change_context(member, request.user),
                **referral_cards.member_funnel_context(member),
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
