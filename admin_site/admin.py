"""Imported by the admin's autodiscovery: registers every module of this package."""

from . import background_tasks, ledger, members, payments, plans, users  # noqa: F401
