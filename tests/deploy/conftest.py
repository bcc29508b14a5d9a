import pytest
from django.db import connection


@pytest.fixture
def once_per_ci():
    """For tests that start their own servers on their own databases: the suite's
    database does not matter to them, so CI runs them in its SQLite pass only."""
    if connection.vendor != "sqlite":
        pytest.skip("uses no suite database: runs in the SQLite pass")
