"""Unfold's settings (imported into config.settings as UNFOLD): callbacks by dotted path.

Kept beside the admin it configures; it must not import models (settings load first).
"""

from django.templatetags.static import static
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


def _can(permission: str):
    """A sidebar item's permission callback: shown only to staff who hold `permission`."""
    return lambda request: request.user.has_perm(permission)


def _may_export(request) -> bool:
    from admin_site.exports import allowed_exports

    return bool(allowed_exports(request.user))


def _may_import(request) -> bool:
    from admin_site.imports import may_import  # imported late: settings load before models

    return may_import(request.user)


UNFOLD = {
    "SITE_TITLE": "BonusDesk",
    "SITE_HEADER": "BonusDesk",
    "SITE_SYMBOL": "redeem",
    "SHOW_LANGUAGES": True,
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    # Fixes of our own for Unfold's layout (each explained in the file).
    "STYLES": [lambda request: static("admin_site/css/unfold_fixes.css")],
    "SCRIPTS": [
        lambda request: static("admin_site/js/pickers.js"),
        lambda request: static("admin_site/js/layout.js"),
    ],
    "ENVIRONMENT": "admin_site.site.environment_callback",
    "DASHBOARD_CALLBACK": "admin_site.dashboard.dashboard_callback",
    "COLORS": {
        "primary": {
            "50": "oklch(97.7% .014 308.299)",
            "100": "oklch(94.6% .033 307.174)",
            "200": "oklch(90.2% .063 306.703)",
            "300": "oklch(82.7% .119 306.383)",
            "400": "oklch(71.4% .203 305.504)",
            "500": "oklch(62.7% .265 303.9)",
            "600": "oklch(55.8% .288 302.321)",
            "700": "oklch(49.6% .265 301.924)",
            "800": "oklch(43.8% .218 303.724)",
            "900": "oklch(38.1% .176 304.987)",
            "950": "oklch(29.1% .149 302.717)",
        },
    },
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": [
            {
                "title": _("Members"),
                "items": [
                    {
                        "title": _("Dashboard"),
                        "icon": "dashboard",
                        "link": reverse_lazy("admin:index"),
                    },
                    {
                        "title": _("Members"),
                        "icon": "groups",
                        "link": reverse_lazy("admin:bonuses_member_changelist"),
                        "permission": _can("bonuses.view_member"),
                    },
                    {
                        "title": _("Member lookup"),
                        "icon": "person_search",
                        "link": reverse_lazy("admin:bonuses_member_lookup"),
                        "permission": _can("bonuses.view_member"),
                    },
                    {
                        "title": _("Sponsor requests"),
                        "icon": "person_add",
                        "link": reverse_lazy("admin:bonuses_sponsorrequest_changelist"),
                        "permission": _can("bonuses.view_sponsorrequest"),
                        "badge": "admin_site.sponsor_requests.pending_badge",
                    },
                ],
            },
            {
                "title": _("Payments"),
                "items": [
                    {
                        "title": _("Payments"),
                        "icon": "payments",
                        "link": reverse_lazy("admin:bonuses_payment_changelist"),
                        "permission": _can("bonuses.view_payment"),
                    },
                    {
                        "title": _("Month at a glance"),
                        "icon": "calendar_month",
                        "link": reverse_lazy("admin:bonuses_payment_month"),
                        "permission": _can("bonuses.view_payment"),
                    },
                ],
            },
            {
                "title": _("Bonuses"),
                "items": [
                    {
                        "title": _("Month close"),
                        "icon": "event_available",
                        "link": reverse_lazy("admin:month_close"),
                        "permission": _can("bonuses.view_monthclose"),
                    },
                    {
                        "title": _("Statement mails"),
                        "icon": "forward_to_inbox",
                        "link": reverse_lazy("admin:bonuses_statementmail_changelist"),
                        "permission": _can("bonuses.view_statementmail"),
                    },
                    {
                        "title": _("Plan versions"),
                        "icon": "tune",
                        "link": reverse_lazy("admin:bonuses_plan_changelist"),
                        "permission": _can("bonuses.view_plan"),
                    },
                    {
                        "title": _("Ledger"),
                        "icon": "receipt_long",
                        "link": reverse_lazy("admin:bonuses_ledgerentry_changelist"),
                        "permission": _can("bonuses.view_ledgerentry"),
                    },
                    {
                        "title": _("Package claim"),
                        "icon": "redeem",
                        "link": reverse_lazy("admin:bonuses_ledgerentry_claim"),
                        "permission": _can("bonuses.add_ledgerentry"),
                    },
                    {
                        "title": _("Payout"),
                        "icon": "payments",
                        "link": reverse_lazy("admin:bonuses_ledgerentry_payout"),
                        "permission": _can("bonuses.add_ledgerentry"),
                    },
                    {
                        "title": _("Manual adjustment"),
                        "icon": "edit_note",
                        "link": reverse_lazy("admin:bonuses_ledgerentry_adjust"),
                        "permission": _can("bonuses.add_ledgerentry"),
                    },
                ],
            },
            {
                "title": _("Import & export"),
                "items": [
                    {
                        "title": _("Import a spreadsheet"),
                        "icon": "upload",
                        "link": reverse_lazy("admin:import_start"),
                        "permission": _may_import,
                    },
                    {
                        "title": _("Export a spreadsheet"),
                        "icon": "download",
                        "link": reverse_lazy("admin:export"),
                        "permission": _may_export,
                    },
                    {
                        "title": _("Export the ledger"),
                        "icon": "download",
                        "link": reverse_lazy("admin:bonuses_ledgerentry_export"),
                        "permission": _can("bonuses.view_ledgerentry"),
                    },
                ],
            },
            {
                "title": _("Schedules"),
                "items": [
                    {
                        "title": _("Schedules"),
                        "icon": "schedule",
                        "link": reverse_lazy("admin:django_q_schedule_changelist"),
                        "permission": _can("django_q.view_schedule"),
                    },
                    {
                        "title": _("Queued tasks"),
                        "icon": "pending_actions",
                        "link": reverse_lazy("admin:django_q_ormq_changelist"),
                        "permission": _can("django_q.view_ormq"),
                    },
                    {
                        "title": _("Successful tasks"),
                        "icon": "task_alt",
                        "link": reverse_lazy("admin:django_q_success_changelist"),
                        "permission": _can("django_q.view_success"),
                    },
                    {
                        "title": _("Failed tasks"),
                        "icon": "error",
                        "link": reverse_lazy("admin:django_q_failure_changelist"),
                        "permission": _can("django_q.view_failure"),
                    },
                ],
            },
            {
                "title": _("Users"),
                "items": [
                    {
                        "title": _("Users"),
                        "icon": "person",
                        "link": reverse_lazy("admin:core_user_changelist"),
                        "permission": _can("core.view_user"),
                    },
                    {
                        "title": _("Groups"),
                        "icon": "shield_person",
                        "link": reverse_lazy("admin:auth_group_changelist"),
                        "permission": _can("auth.view_group"),
                    },
                ],
            },
        ],
    },
}
