"""Imported by the admin's autodiscovery: registers every module of this package."""

from . import members, payments, users  # noqa: F401
