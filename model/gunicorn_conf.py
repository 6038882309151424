"""gunicorn settings for SageMaker hosting, from SageMaker's standard environment variables.

gevent is patched here, first, because gunicorn loads this file before it imports the app:
nothing (ssl, boto, threading) gets imported unpatched, so there is no MonkeyPatchWarning.
"""

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


_host = os.environ.get("MODEL_SERVER_HOST", "0.0.0.0")  # all interfaces inside the container
bind = f"{_host}:{os.environ.get('SAGEMAKER_BIND_TO_PORT', '8080')}"
workers = int(os.environ.get("SAGEMAKER_MODEL_SERVER_WORKERS", _cpu_count()))
worker_class = "gevent"
worker_connections = 100
timeout = int(os.environ.get("SAGEMAKER_MODEL_SERVER_TIMEOUT", "60"))
# SageMaker sends SIGTERM on update or scale-in and SIGKILL 30 s later: finish within that.
graceful_timeout = 25
keepalive = 75  # longer than the idle timeout of the hosts in front of the container
preload_app = True  # import numpy/scipy once in the master; workers fork ready to serve
accesslog = None  # the app writes one JSON line per request
# No runtime control socket: nothing uses it, and servers of one user would share its path.
control_socket_disable = True
errorlog = "-"
loglevel = os.environ.get("MODEL_SERVER_LOG_LEVEL", "info")
