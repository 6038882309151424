"""gunicorn settings for SageMaker hosting, from SageMaker's standard environment variables.

gevent is patched here, first (after the start's SIGTERM handler), because gunicorn loads this
file before it imports the app: nothing (ssl, boto, threading) gets imported unpatched, so there
is no MonkeyPatchWarning.
Everything named here is the model-free serving/ package; the app is MODEL_APP, in ``serve``.
"""

import signal
import sys


def _stop_while_starting(_signum: int, _frame: object) -> None:
    """SIGTERM before gunicorn's master installs its own handlers (after on_starting has loaded
    the app): the start stops, exit 0. In a container the server is PID 1, and the kernel
    drops a signal PID 1 has no handler for: a SIGTERM while numpy, scipy and the app loaded
    was lost, and `docker stop` (SageMaker's stop of a container still starting) waited out
    its 30 s for the SIGKILL."""
    sys.exit(0)


# At the start only: a HUP makes the running master read this file again, and there this
# handler would replace gunicorn's, whose SIGTERM lets the requests in flight finish.
if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
    signal.signal(signal.SIGTERM, _stop_while_starting)

from gevent import monkey  # noqa: E402

monkey.patch_all()

from serving.environment import host, log_level, port, seconds  # noqa: E402
from serving.heartbeat import heartbeat_dir  # noqa: E402
from serving.model_app import load, refusal  # noqa: E402
from serving.workers import choose_from_system  # noqa: E402

# One per CPU, capped by the container's memory limit; SAGEMAKER_MODEL_SERVER_WORKERS overrides.
_workers = choose_from_system()

_host = host("MODEL_SERVER_HOST", "0.0.0.0")  # all interfaces inside the container
bind = f"{_host}:{port('SAGEMAKER_BIND_TO_PORT', '8080')}"
workers = _workers.workers
# Each worker's heartbeat file: in /dev/shm, not on the image's disk (serving/heartbeat.py).
worker_tmp_dir = heartbeat_dir()
# gunicorn's gevent worker, but a stop does not wait for idle keep-alive connections.
worker_class = "serving.gevent_worker.StoppableGeventWorker"
# Connections a worker accepts at once. When they are all taken the worker stops accepting,
# and /ping waits in the listen queue behind them: at 100, 250 concurrent clients (two workers)
# made /ping take up to 3.7 s, and SageMaker fails a ping after 2 s. Memory does not grow with
# them: big bodies are read a few at a time (serving/admission.py).
worker_connections = 1000
# A worker whose event loop has not run for this long is killed and replaced: a hung worker, or
# a small request computed inline that long (big ones run on a thread); 0: never (gunicorn's 0).
timeout = int(seconds("SAGEMAKER_MODEL_SERVER_TIMEOUT", "60", whole=True) or 0)
# SageMaker sends SIGTERM on update or scale-in and SIGKILL 30 s later: finish within that.
graceful_timeout = 25
keepalive = 75  # longer than the idle timeout of the hosts in front of the container
# The app is loaded once in the master, numpy/scipy with it, and workers fork ready to serve:
# by on_starting below, not gunicorn's preload_app, whose failure to find MODEL_APP's module or
# attribute was a traceback where on_starting says it in one line.
# As with preload_app, the loaded app is kept in the master: a HUP or a worker's restart
# (max_requests) reuses it and never loads changed code; restart the server for that.
preload_app = False
accesslog = None  # the app writes one JSON line per request
# No runtime control socket: nothing uses it, and servers of one user would share its path.
control_socket_disable = True
errorlog = "-"
# gunicorn's own lines (a refused request's warning) mask what they quote of the request.
logger_class = "serving.server_log.MaskingLogger"
# gunicorn reads a level it does not know ("warn", "verbose") as info: refused at start instead.
loglevel = log_level("MODEL_SERVER_LOG_LEVEL", "info")


def on_starting(server) -> None:
    """Load MODEL_APP's app, and refuse one whose module or attribute is missing or that is no
    WSGI app (a factory named without its call) before any worker starts: gunicorn prints the
    RuntimeError as one ``Error:`` line and exits 1. Then say how many workers run and why
    (CloudWatch keeps it with the endpoint)."""
    refused = refusal(load(server.app), server.app.app_uri)  # workers fork with it loaded
    if refused is not None:
        raise RuntimeError(refused)
    server.log.info(_workers.reason)
