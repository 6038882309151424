"""`make bench`: quality and speed of the detectors against the original app's (reference).

Everything it reads is in the repository: the baseline detectors and the scorer in
``bench/reference/``, the NAB subset in ``bench/data/nab/``, the real exports and their labels
in ``tests/data/``. Importing the package puts the model package (``model/``) on ``sys.path``.
"""

import sys
from pathlib import Path

_MODEL = Path(__file__).resolve().parents[1] / "model"
if str(_MODEL) not in sys.path:
    sys.path.insert(0, str(_MODEL))
