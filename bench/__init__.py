"""`make bench`: quality and speed of the detectors against the original app's (reference).

Importing the package puts the model package (``model/``) and the shared reference code
(``../shared/bench``, beside the repo root, also in CI) on ``sys.path``.
"""

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
for _p in (_ROOT / "model", _ROOT.parent / "shared" / "bench"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))
