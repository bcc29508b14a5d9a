"""The month-close statements mailed to members: who got one, who did not and why, and
"send again" for one member (an action, recorded in the admin's history like any change).
Rows are written by the worker (bonuses.services.statement_mails), never edited here."""

from django.contrib import admin, messages
from django.utils.translation import get_language_info, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import AutocompleteSelectFilter, ChoicesDropdownFilter
from unfold.decorators import action

from bonuses.models import StatementMail
from bonuses.selectors.search import matching_member_ids
from bonuses.services.statement_mails import statement_mail_resend
from core.periods import format_period

from .ledger import PeriodFilter
from .paging import UncountedPages

RESEND_PERMISSION = "change"
# "Send again" sends mail now, in the request: a handful, never a whole month by mistake.
RESEND_LIMIT = 20


@admin.register(StatementMail)
class StatementMailAdmin(UncountedPages, ModelAdmin):
    list_display = [
        "member", "month", "state", "email", "language_name", "attempts", "sent_at", "error",
    ]  # fmt: skip
    list_filter = [
        PeriodFilter,
        ("state", ChoicesDropdownFilter),
        ("member", AutocompleteSelectFilter),
    ]
    list_filter_submit = True
    list_select_related = ["member"]
    search_fields = ["member__last_name"]  # see get_search_results
    search_help_text = _(
        "Member: name or surname in any order, part of an email or phone, club number or login."
    )
    ordering = ["-id"]
    list_per_page = 50
    actions = ["send_again"]
    readonly_fields = [
        "member", "month", "state", "email", "language_name", "attempts", "created_at",
        "sent_at", "error",
    ]  # fmt: skip
    fields = readonly_fields

    def get_search_results(self, request, queryset, search_term):
        ids = matching_member_ids(search_term)
        return (queryset if ids is None else queryset.filter(member_id__in=ids)), False

    @admin.display(description=_("language"), ordering="language")
    def language_name(self, mail):
        """The language's name in the staff's own language ("Russian", "русский"), not
        its code."""
        if not mail.language:
            return "—"
        try:
            return get_language_info(mail.language)["name_translated"]
        except KeyError:
            return mail.language

    @admin.display(description=_("month"), ordering="period")
    def month(self, mail):
        return format_period(mail.period)

    @action(description=_("Send the statement again"), permissions=[RESEND_PERMISSION])
    def send_again(self, request, queryset):
        mails = list(queryset.select_related("member")[: RESEND_LIMIT + 1])
        if len(mails) > RESEND_LIMIT:
            self.message_user(
                request,
                gettext("Choose at most %(count)s statements to send again.")
                % {"count": RESEND_LIMIT},
                messages.ERROR,
            )
            return
        sent = 0
        for mail in mails:
            row = statement_mail_resend(mail=mail)
            # The admin's own history (LogEntry): who sent it again, when, and how it went.
            self.log_change(request, row, f"Statement sent again: {row.state}")
            if row.state == StatementMail.State.SENT:
                sent += 1
            else:
                self.message_user(
                    request,
                    gettext("%(member)s: not sent (%(error)s).")
                    % {"member": row.member, "error": row.error or row.get_state_display()},
                    messages.WARNING,
                )
        if sent:
            self.message_user(
                request,
                ngettext(
                    "%(count)s statement sent again.", "%(count)s statements sent again.", sent
                )
                % {"count": sent},
            )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The change permission allows "send again"; the rows themselves are never edited.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
