"""The app on this machine with no AWS account: what `make up` and the tests run locally.

See README.md here for the parts and how a request flows through them.
"""

from pathlib import Path

# The repository root: model/serve, lambda/, site/dist and config.yaml are found from here.
REPO = Path(__file__).resolve().parent.parent
