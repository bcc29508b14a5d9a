import os
import socket

import pytest
from django.db import connection
from django.utils import timezone, translation


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.test", "pw")


@pytest.fixture
def on_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proved on PostgreSQL (set DATABASE_URL)")


@pytest.fixture(autouse=True)
def english_by_default():
    """A request in Russian leaves its language active in the thread afterwards; every
    test starts from the English source strings again."""
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture
def live_cluster(monkeypatch):
    """One django-q2 cluster alive in the heartbeat (core.worker.clusters), on this host
    with this test process as its worker: tasks claimed here (sync mode) count as running,
    claims by any other process as lost."""
    from core import worker

    beat = worker.ClusterBeat(
        cluster_id="c1",
        host=socket.gethostname(),
        status="Idle",
        workers=(os.getpid(),),
        started=timezone.now(),
        seen=timezone.now(),
        reincarnations=0,
    )
    monkeypatch.setattr(worker, "clusters", lambda: [beat])
    return beat
