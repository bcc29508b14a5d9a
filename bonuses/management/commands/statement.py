import json

from django.core.management.base import BaseCommand, CommandError

from bonuses.selectors import member_find, statement_json
from core.periods import parse_month


class Command(BaseCommand):
    help = (
        "A member's statement for a month. MEMBER is a username, email, phone, club number "
        "or referral code."
    )

    def add_arguments(self, parser):
        parser.add_argument("member")
        parser.add_argument("--month", help="YYYY-MM; default: this month")
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, member, month=None, json=False, **options):
        try:
            period = parse_month(month) if month else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        found = member_find(member)
        if found is None:
            raise CommandError(f"No single member matches {member!r}.")
        data = statement_json(member=found, period=period)
        if json:
            self.stdout.write(_dumps(data))
            return
        self.stdout.write(self._text(data))

    def _text(self, data: dict) -> str:
        sponsor = data["sponsor"]["name"] if data["sponsor"] else "-"
        lines = [
            f"{data['member']['name']} · {data['month']} · "
            f"{'active' if data['active'] else 'not active'} · sponsor: {sponsor}",
            "level  followers  active  earned",
        ]
        lines += [
            f"{row['level']:>5}  {row['followers']:>9}  {row['active']:>6}  {row['earned']:>12}"
            for row in data["levels"]
        ]
        package = data["next_package"]
        lines += [
            f"referred bonus {data['referred_bonus']}",
            f"month total    {data['month_total']}"
            + (" (closed: as the close wrote it)" if data["closed"] else " (open: live)"),
        ]
        lines += [
            f"correction {c['date']}  {c['amount']:>12}  {c['reason']}" for c in data["corrections"]
        ]
        if data["corrections"]:
            lines.append(f"with corrections {data['ledger_total']}")
        if data["not_closed"]:
            months = ", ".join(f"{m['month']} {m['amount']}" for m in data["not_closed"])
            lines.append(f"not yet closed: {months}")
        lines += [
            f"previous balance {data['previous_balance']} · this month {data['this_month']} · "
            f"balance {data['balance']}",
            (
                f"next package {package['name']}: {package['remaining']} to go"
                if package
                else f"top package reached: {data['top_package']}"
            ),
        ]
        return "\n".join(lines)


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
