from datetime import date
from decimal import Decimal

from django.db import migrations

LEVEL_RATES = ["0.10", "0.05", "0.025", "0.01"]
PACKAGES = [
    ("Classic", "150000", "0"),
    ("Silver", "300000", "75000"),
    ("Gold", "600000", "300000"),
    ("Platinum", "1200000", "1200000"),
    ("Brilliant", "2400000", "3600000"),
]


def create_default_plan(apps, schema_editor):
    Plan = apps.get_model("bonuses", "Plan")
    if Plan.objects.exists():
        return
    # The first version also covers every earlier month, so its date only orders versions.
    plan = Plan.objects.create(
        effective_from=date(2018, 1, 1),
        monthly_price=Decimal("15000.00"),
        referred_rate=Decimal("0.05"),
        earner_must_be_active=False,
        note="Default plan",
    )
    for level, rate in enumerate(LEVEL_RATES, start=1):
        plan.levels.create(level=level, rate=Decimal(rate))
    for name, threshold, bonus in PACKAGES:
        plan.packages.create(name=name, threshold=Decimal(threshold), bonus=Decimal(bonus))


class Migration(migrations.Migration):
    dependencies = [("bonuses", "0003_engine")]

    operations = [migrations.RunPython(create_default_plan, migrations.RunPython.noop)]
