"""`__in` on integer columns ignores values outside the column's range.

Django's exact and comparison lookups on integer fields already treat an out-of-range
value as matching nothing (IntegerFieldOverflow); `__in` passes it to the database, where
SQLite raises OverflowError and PostgreSQL an out-of-range error. Admin widgets and
model-choice fields run `pk__in` on whatever a request sent, so one absurd id was a 500.
A value outside the range can equal no stored value: dropping it changes no answer.
"""

from django.db.models import IntegerField
from django.db.models.lookups import In


class IntegerIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(
                self.lhs.output_field.get_internal_type()
            )
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)


def register() -> None:
    """Called once from core's AppConfig.ready(): every integer field, ids included."""
    IntegerField.register_lookup(IntegerIn)
