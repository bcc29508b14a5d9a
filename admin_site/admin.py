"""Imported by the admin's autodiscovery: registers every module of this package."""

from . import (  # noqa: F401
    background_tasks,
    ledger,
    members,
    payments,
    plans,
    sponsor_requests,
    statement_mails,
    users,
    vendor_patches,
)
