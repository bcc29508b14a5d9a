"""`manage.py qcluster`, django-q2's worker command, with a signal handler that stops once.

django-q2's own handler (django_q.cluster.Cluster.sig_handler) calls `stop()` on every
signal: `stop()` sets the stop event and joins the sentinel process. When the whole
process group is signalled (Ctrl-C in a terminal, honcho, `kill -- -PGID`, a container
stop) the sentinel dies at once from the same SIGTERM while it sleeps on that event, and
`Event.set()` then waits forever for the dead sleeper to wake. Every further signal
re-enters the handler on top of the blocked one, so a burst of signals (the old
`trap 'kill 0'` in the Makefile sent one per trap run) ends in thousands of lines of
RecursionError. Here the first signal stops the cluster and later ones are ignored; the
stop event is only set while the sentinel lives, so nothing waits on a dead process.

This app is listed before django_q in INSTALLED_APPS so that Django picks this command.
"""

import os
import signal
import time

from django.conf import settings
from django_q.cluster import Cluster
from django_q.management.commands import qcluster

# How long a signalled cluster waits for its sentinel to die of the same signal (a process
# group was signalled) before it asks the sentinel to stop gracefully (only this process
# was signalled: systemd's KillMode=mixed, a plain `kill PID`).
GROUP_SIGNAL_GRACE = 1.0


def _alive(pid: int) -> bool:
    """Whether a child process still runs. Not Process.is_alive(): the signal may have
    interrupted a join() whose waitpid() already reaped the child, and is_alive() then
    reports a dead child as running."""
    try:
        reaped, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return reaped == 0


class SingleStopCluster(Cluster):
    def sig_handler(self, signum, frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        sentinel = self.sentinel
        if sentinel is None:  # signalled before start(): nothing runs yet
            raise SystemExit(0)
        deadline = time.monotonic() + GROUP_SIGNAL_GRACE
        while _alive(sentinel.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(sentinel.pid):
            # Graceful: the sentinel stops its workers after their current task.
            self.stop()
        # start() polls start_event and returns once it is None; atexit then joins the
        # (dead or stopped) sentinel and the process exits 0.
        self.start_event = None
        self.stop_event = None


class Command(qcluster.Command):
    def handle(self, *args, **options):
        # django-q2's handle(), with the cluster class above.
        settings.SECRET_KEY  # noqa: B018 - fails early without a secret, as django-q2's does
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        cluster = SingleStopCluster()
        cluster.start()
        if options.get("run_once"):
            cluster.stop()
