"""Spreadsheet import and export: reading messy files, validating every row before anything
is written, and the exports staff take back to their spreadsheets.

Validation lives here and only reads; the writes go through bonuses.services.imports.
"""
