from django import template
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext

from core.money import format_money
from core.periods import format_period, month_abbreviation

register = template.Library()


@register.filter
def tenge(value) -> str:
    """`150 000 ₸` in both languages."""
    return format_money(value if value not in (None, "") else "0")


@register.filter
def month_names(months) -> str:
    """`октябрь 2026, ноябрь 2026` from (period, amount) pairs or periods."""
    periods = [m[0] if isinstance(m, tuple | list) else m for m in months or ()]
    return ", ".join(format_period(p) for p in periods)


@register.filter
def percent_of(value, whole) -> int:
    """Height of a chart bar: `value` as a whole percentage of `whole` (0 when empty)."""
    if not whole or whole <= 0 or value <= 0:
        return 0
    return max(2, min(100, int(value * 100 / whole)))


@register.simple_tag
def downline_branch(nodes, more, parent_key="", after_key="") -> str:
    """A level of the downline tree as a list, ending with a "Show more" button when
    `more` followers are not listed yet (it asks for the ones after `after_key`, in the
    branch `parent_key`). Built here rather than in a template loop: the template engine
    costs ~14 ms for 200 nodes, and the page should cost the same for any member."""
    active_title = escape(gettext("active this month"))
    inactive_title = escape(gettext("not active this month"))
    active = escape(pgettext("downline tree: paid this month", "active"))
    items = []
    for node, key in nodes:
        if node.active:
            head = f'<span class="dot on" title="{active_title}"></span>{escape(node.name)}'
            head += f' <span class="muted">· {active}</span>'
        else:
            head = f'<span class="dot" title="{inactive_title}"></span>{escape(node.name)}'
        if key:
            head += (
                f' <button type="button" class="toggle" data-key="{escape(key)}" '
                f'aria-expanded="false">+ {node.children}</button>'
            )
        items.append(f"<li>{head}</li>")
    if more:
        text = gettext("Show more (%(count)s left)") % {"count": more}
        items.append(
            f'<li class="more"><button type="button" class="more" '
            f'data-key="{escape(parent_key)}" data-after="{escape(after_key)}">'
            f"{escape(text)}</button></li>"
        )
    return mark_safe(f'<ul class="tree">{"".join(items)}</ul>')  # noqa: S308 - parts escaped above


# The page's two 12-month charts and its months table are built here rather than in
# template loops, as the tree is: 36 bars and 12 rows cost the template engine ~3 ms of
# the page's ~15 ms of CPU (docs/benchmarks.md, "/me/ under wrk").


def _count(n: int) -> str:
    """A count as the page writes it: below a thousand there is nothing to localize (no
    grouping), and the chart's 36 counts went through Django's number formatting."""
    return str(n) if -1000 < n < 1000 else localize(n)


@register.simple_tag
def funnel_chart(funnel) -> str:
    """The referral funnel's bars: opened, signed up and paid first, per month."""
    best = funnel.best
    bars = []
    title_format = gettext("%(o)s opened, %(s)s signed up, %(p)s paid their first month")
    for m in funnel.months:
        title = title_format % {
            "o": _count(m.opened),
            "s": _count(m.signed_up),
            "p": _count(m.paid_first),
        }
        bars.append(
            f'<div title="{escape(capfirst(format_period(m.period)))}: {escape(title)}">'
            f'<span class="bars"><i class="o" style="height:{percent_of(m.opened, best)}%"></i>'
            f'<i class="s" style="height:{percent_of(m.signed_up, best)}%"></i>'
            f'<i class="p" style="height:{percent_of(m.paid_first, best)}%"></i></span>'
            f"<small>{escape(month_abbreviation(m.period))}</small></div>"
        )
    return mark_safe("".join(bars))  # noqa: S308 - parts escaped above


@register.simple_tag
def months_chart(months, best) -> str:
    """The 12 months' earnings as bars, oldest first."""
    bars = [
        f'<div><i class="{"" if line.earned else "off"}" '
        f'style="height:{percent_of(line.earned, best)}%"></i>'
        f"<small>{escape(month_abbreviation(line.period))}</small></div>"
        for line in months
    ]
    return mark_safe("".join(bars))  # noqa: S308 - parts escaped above


@register.simple_tag
def level_rows(levels) -> str:
    """A statement's levels as table rows: level, followers, active, earned."""
    rows = [
        f'<tr data-level="{line.level}"><td>{line.level}</td><td>{_count(line.followers)}</td>'
        f"<td>{_count(line.active)}</td><td>{escape(format_money(line.earned))}</td></tr>"
        for line in levels
    ]
    return mark_safe("".join(rows))  # noqa: S308 - numbers, and the money escaped


@register.simple_tag
def months_rows(months, joined_on=None) -> str:
    """The 12 months as table rows, newest first; each past month since the member
    joined (`joined_on`, a date), or with a payment or earnings of theirs, links to its
    statement (?month=YYYY-MM), and a month not closed yet marks its figure with *."""
    yes = escape(gettext("yes"))
    first = joined_on.replace(day=1) if joined_on else None
    rows = []
    for index, line in enumerate(reversed(months)):
        key = f"{line.period:%Y-%m}"
        name = escape(capfirst(format_period(line.period)))
        if index and (first is None or line.period >= first or line.active or line.earned):
            name = f'<a href="?month={key}#month-statement">{name}</a>'
        star = ' <span class="muted">*</span>' if not line.closed and line.earned else ""
        rows.append(
            f'<tr data-period="{key}"><td>{name}</td><td>{yes if line.active else "—"}</td>'
            f"<td>{escape(format_money(line.earned))}{star}</td></tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308 - parts escaped above
