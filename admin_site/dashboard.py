"""The admin index: KPI cards, charts and two short tables, in a fixed number of queries.

Club-wide figures come from the shared cache (bonuses.selectors.club), so the page costs
the same with ten members as with a million; only the two short tables are read live.
"""

import json

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from bonuses.models import FiguresCheck, MonthClose, Payment
from bonuses.selectors.club import dashboard_figures
from bonuses.tasks import MONTH_CLOSE_SCHEDULE
from core import worker
from core.money import format_money
from core.periods import format_period

from .background_tasks import task_title

LATEST_PAYMENTS = 10
PRIMARY = "var(--color-primary-600)"
SECONDARY = "var(--color-primary-300)"


def _month_label(period) -> str:
    return format_period(period, short=True)


def _chart(labels, datasets) -> str:
    # Unfold's defaults draw hairline bars; twelve months have room for wider ones.
    datasets = [{"maxBarThickness": 16, **dataset} for dataset in datasets]
    return json.dumps({"labels": labels, "datasets": datasets})


def _member_link(member_id: int, name: str) -> str:
    url = reverse("admin:bonuses_member_change", args=[member_id])
    return format_html('<a href="{}" class="text-primary-600">{}</a>', url, name)


def as_of(figures) -> str:
    """ "as of 19:05" for a card whose figure comes from the cache, "· updating" when a
    write since has made it stale (its refresh is queued)."""
    text = _("as of %(time)s") % {
        "time": formats.time_format(timezone.localtime(figures.computed_at), "H:i")
    }
    if figures.stale:
        text += " · " + _("updating")
    return text


def _kpis(figures, last_close, next_close) -> list[dict]:
    change = figures.active_this_month - figures.active_last_month
    when = as_of(figures)
    accrued_note = _("so far this month, %(as_of)s") % {"as_of": when}
    if figures.accrued_is_estimate:
        accrued_note += " · " + _("before the active-earner rule")
    if last_close is not None:
        last_value = format_period(last_close.period)
        last_note = _("%(when)s by %(who)s, %(total)s") % {
            "when": formats.date_format(
                timezone.localtime(last_close.closed_at), "SHORT_DATETIME_FORMAT"
            ),
            "who": last_close.closed_by or _("schedule"),
            "total": format_money((last_close.totals or {}).get("total", "0")),
        }
    else:
        last_value, last_note = _("none yet"), _("no month is closed")
    return [
        {
            "title": _("Members"),
            "value": formats.number_format(figures.members, force_grouping=True),
            "note": _("%(count)s new this month") % {"count": figures.new_this_month} + ", " + when,
            "icon": "groups",
        },
        {
            "title": _("Active this month"),
            "value": formats.number_format(figures.active_this_month, force_grouping=True),
            "note": _("%(change)+d vs last month (%(last)s)")
            % {"change": change, "last": figures.active_last_month}
            + ", "
            + when,
            "icon": "how_to_reg",
        },
        {
            "title": _("Bonuses accrued"),
            "value": format_money(figures.accrued_this_month),
            "note": accrued_note,
            "icon": "savings",
        },
        {
            "title": _("Outstanding balance"),
            "value": format_money(figures.outstanding),
            "note": _("sum of all members' ledgers") + ", " + when,
            "icon": "account_balance_wallet",
        },
        {
            "title": _("Last close"),
            "value": last_value,
            "note": last_note,
            "icon": "event_available",
        },
        {
            "title": _("Next scheduled close"),
            "value": (
                formats.date_format(timezone.localtime(next_close), "SHORT_DATETIME_FORMAT")
                if next_close
                else _("not scheduled")
            ),
            "note": _("schedule “%(name)s”") % {"name": task_title(MONTH_CLOSE_SCHEDULE)},
            "icon": "schedule",
        },
    ]


def _top_table(figures) -> dict | None:
    if figures.top_earners is None:
        return None
    return {
        "headers": [_("Member"), _("Earned so far")],
        "rows": [
            [_member_link(member_id, name), format_money(amount)]
            for member_id, name, amount in figures.top_earners
        ],
    }


def _payments_table() -> dict:
    payments = Payment.objects.select_related("member", "recorded_by").order_by("-id")[
        :LATEST_PAYMENTS
    ]
    return {
        "headers": [_("Member"), _("Month"), _("Amount"), _("Paid"), _("Recorded by")],
        "rows": [
            [
                _member_link(p.member_id, str(p.member)),
                {"content": format_period(p.period), "class": "whitespace-nowrap"},
                {"content": format_money(p.amount), "class": "whitespace-nowrap"},
                _("yes") if p.paid else _("no"),
                str(p.recorded_by or "—"),
            ]
            for p in payments
        ],
    }


# The club's money (bonuses, balances, closes, earners) is for staff who may see the
# ledger; the front desk sees members and payments (README, "Roles").
MONEY_PERMISSION = "bonuses.view_ledgerentry"


def _worker_state() -> dict:
    """The django-q2 heartbeat, for the line above the figures."""
    try:
        beats = worker.clusters()
    except Exception:  # noqa: BLE001 - the broker is down: no worker can be seen either
        beats = []
    if not beats:
        return {"running": False}
    started = min((b.started for b in beats if b.started), default=None)
    return {
        "running": True,
        "clusters": len(beats),
        "processes": sum(len(b.workers) for b in beats),
        "hosts": ", ".join(sorted({b.host for b in beats})),
        "since": timezone.localtime(started) if started else None,
    }


def _funnel_context(figures) -> dict:
    """The club's referral funnel by month and the top referrers by first payments: no
    money in it, so both roles see it (README, "Roles"). Part of the cached figures."""
    club = figures.funnel if figures is not None else None
    if club is None:  # computing, or cached by a version before the funnel
        return {"funnel_pending": True}
    months = club.funnel.months
    labels = [_month_label(m.period) for m in months]
    return {
        "chart_funnel": _chart(
            labels,
            [
                {
                    "label": _("Opened"),
                    "data": [m.opened for m in months],
                    "backgroundColor": SECONDARY,
                    # Unfold draws a chart's bars over each other; a funnel's steps stand
                    # side by side.
                    "grouped": True,
                    "maxBarThickness": 10,
                },
                {
                    "label": _("Signed up"),
                    "data": [m.signed_up for m in months],
                    "backgroundColor": "var(--color-primary-500)",
                    "grouped": True,
                    "maxBarThickness": 10,
                },
                {
                    "label": _("Paid first month"),
                    "data": [m.paid_first for m in months],
                    "backgroundColor": "var(--color-primary-800)",
                    "grouped": True,
                    "maxBarThickness": 10,
                },
            ],
        ),
        "funnel_this_month": club.funnel.this_month,
        "top_referrers": {
            "headers": [_("Member"), _("First payments, 12 months")],
            "rows": [[_member_link(pk, name), count] for pk, name, count in club.top_referrers],
        },
    }


def dashboard_callback(request, context):
    from django_q.models import Schedule

    figures = dashboard_figures()
    context.update(_funnel_context(figures))
    context["latest_payments"] = _payments_table()
    context["decimal_separator"] = formats.get_format("DECIMAL_SEPARATOR")
    context["currency_sign"] = settings.CURRENCY_SIGN
    context["worker"] = _worker_state()
    # The nightly safety net of the maintained statement figures (check_statements).
    context["statements_check"] = FiguresCheck.objects.order_by("-checked_at").first()
    if figures is None:  # a large club's first view: the refresh task is on its way
        context["figures_pending"] = True
        return context
    last_close = MonthClose.objects.select_related("closed_by").order_by("-period").first()
    next_close = (
        Schedule.objects.filter(name=MONTH_CLOSE_SCHEDULE)
        .values_list("next_run", flat=True)
        .first()
    )
    labels = [_month_label(m.period) for m in figures.months]
    context.update(
        {
            "kpis": _kpis(figures, last_close, next_close),
            "chart_activity": _chart(
                labels,
                [
                    {
                        "label": _("Active members"),
                        "data": [m.active for m in figures.months],
                        "backgroundColor": PRIMARY,
                    },
                ],
            ),
            "chart_bonuses": _chart(
                labels,
                [
                    {
                        "label": _("Bonuses"),
                        "data": [str(m.bonuses) for m in figures.months],
                        "backgroundColor": PRIMARY,
                        "money": True,  # the tooltip writes it as money (index.html)
                    },
                ],
            ),
            "chart_new_members": _chart(
                labels,
                [
                    {
                        "label": _("New members"),
                        "data": [m.new_members for m in figures.months],
                        "backgroundColor": SECONDARY,
                    },
                ],
            ),
            "top_earners": _top_table(figures),
            "figures": figures,
            "figures_as_of": as_of(figures),
        }
    )
    if not request.user.has_perm(MONEY_PERMISSION):
        context["kpis"] = context["kpis"][:2]
        for key in ("chart_bonuses", "top_earners"):
            context.pop(key)
        context["hide_money"] = True
    return context
