"""The Trends model's app, what ``serve`` runs by default (``MODEL_APP``,
``trends_anomaly.app:app``): the server's own app (:mod:`serving.app`) around the Trends
contract (:func:`.contract.invoke`), with the settings read once at start."""

from __future__ import annotations

import functools

from serving.app import create_app
from serving.hints import Hints

from .contract import invoke
from .errors import TOO_LARGE_HINT, BadParameter
from .settings import load_settings


def _no_url_parameters(query: bytes) -> None:
    """SageMaker passes no query string to the container (parameters travel in the custom
    attributes), so one here is a person calling the container directly whose ``?method=stl``
    would otherwise be ignored without a word and answered with the defaults."""
    if query:
        shown = query.decode("latin-1")[:80]
        raise BadParameter(
            f"Parameters in the URL ('?{shown}') are not read: SageMaker passes no query "
            "string to the model.",
            "Send them in the X-Amzn-SageMaker-Custom-Attributes header, e.g. "
            "-H 'X-Amzn-SageMaker-Custom-Attributes: method=stl;period=52'.",
        )


# The server's 413, 408 and 414 in an analyst's words: what is too big or too slow is an
# export; what a URL must not carry is detection parameters.
HINTS = Hints(
    too_large=TOO_LARGE_HINT,
    body_timeout="Send the whole request at once; a file this big needs a faster connection, "
    "or export a shorter time range.",
    uri_too_long="send detection parameters in the X-Amzn-SageMaker-Custom-Attributes header "
    "and the data as the body.",
)
settings = load_settings()
app = create_app(
    __name__,
    functools.partial(invoke, settings=settings),
    settings.max_payload_bytes,
    check_query=_no_url_parameters,
    hints=HINTS,
)
