"""One botocore data loader for every session a test process makes.

botocore reads and parses a service's model (its JSON files, megabytes for SageMaker or EC2)
once per *session*: its `Loader` caches per instance, and each `botocore.session.Session`
makes its own. `deploy/aws.py` makes a session per `Aws` (as a command run once should), and
the tests make an `Aws`, or run `deploy.cli.main`, hundreds of times in one process, the
in-process moto server's clients too: profiled, `tests/deploy/test_status_refused.py` spent
17 s of its 46 s in botocore's `load_data_with_path`. Sharing one loader per search path
reads each file once per test process. The files and what botocore makes of them are the
same; only the reading is not repeated (botocore already hands one parsed model to every
client of a session, so nothing may change it in place). Processes the tests start
(`python -m deploy`, the model server) keep botocore's own behaviour.
"""

from __future__ import annotations

import threading
from typing import Any

import botocore.loaders
import botocore.session

_REAL = botocore.loaders.create_loader
_LOADERS: dict[Any, botocore.loaders.Loader] = {}
_LOCK = threading.Lock()


def shared_loader(search_path_string: Any = None) -> botocore.loaders.Loader:
    """botocore's `create_loader`, once per search path (the `data_path` setting)."""
    with _LOCK:
        if search_path_string not in _LOADERS:
            _LOADERS[search_path_string] = _REAL(search_path_string)
        return _LOADERS[search_path_string]


def share() -> None:
    """From now on every new botocore session in this process reads models through one
    loader per search path (sessions made before keep their own)."""
    botocore.session.create_loader = shared_loader
