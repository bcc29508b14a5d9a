import os
import socket

import pytest
from django.core.cache import caches
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
def plan_versions_read_afresh():
    """Every test starts without this process's copy of the plan versions, so a page's
    query count does not depend on which test ran before (the first read is the costly
    one: the stamp and three queries)."""
    from bonuses.services.plans import forget_plan_terms

    forget_plan_terms()
    yield


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


@pytest.fixture(autouse=True)
def private_uploads(settings, tmp_path):
    """Uploaded import files go to a folder of the test's own (the `imports` storage)."""
    folder = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = folder
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {
            "BACKEND": "core.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": folder / "imports"},
        },
    }
    return folder / "imports"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate limits count in a per-process memory cache in tests (settings): each test
    starts with none spent."""
    caches["ratelimit"].clear()
    caches["visits"].clear()
    yield
    caches["ratelimit"].clear()
    caches["visits"].clear()


@pytest.fixture
def desk_user(db, django_user_model):
    """A front-desk login: staff, in the "Front desk" group from admin_site's migration."""
    from django.contrib.auth.models import Group

    from admin_site.roles import FRONT_DESK

    user = django_user_model.objects.create_user("frontdesk", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=FRONT_DESK))
    return user


@pytest.fixture
def desk_client(client, desk_user):
    client.force_login(desk_user)
    return client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """committed(fn, *args, **kwargs): call `fn` (a service, or a test client's post) and
    run what it left for the commit, such as mails: the test's own transaction never
    commits."""

    def call(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return call
