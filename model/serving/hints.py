"""The hints of the errors the server answers on a model's behalf, in the model's words.

The server refuses a body over the limit (413), one that stopped arriving (408) and a URL over
gunicorn's limit (414) before the model sees them, so it cannot know what the model's callers
send: "a shorter time range" or "detection parameters" mean something to a Trends analyst and
nothing to a caller of another model. A model passes its own words to ``create_app``, which
keeps them on the app (:func:`of`: the gevent worker answers the 414, outside the app); these
defaults hold for any model.
"""

from __future__ import annotations

from dataclasses import dataclass

from .error_shape import TOO_LARGE_HINT

# Where create_app keeps a model's Hints on its Flask app (Flask's place for extensions' state).
EXTENSION = "serving.hints"


@dataclass(frozen=True)
class Hints:
    too_large: str = TOO_LARGE_HINT  # 413 payload_too_large: what to send instead
    body_timeout: str = (  # 408 request_timeout
        "Send the whole request at once; a body this big needs a faster connection, or send "
        "a smaller one."
    )
    # 414 uri_too_long, after "Keep the URL under <gunicorn's limit> bytes: ".
    uri_too_long: str = (
        "send the data as the body, and parameters in the X-Amzn-SageMaker-Custom-Attributes "
        "header."
    )


def of(app: object) -> Hints:
    """The hints ``app`` (what MODEL_APP names) was made with, or the defaults: an app not
    made by ``create_app`` has none of its own."""
    extensions = getattr(app, "extensions", None)
    found = extensions.get(EXTENSION) if isinstance(extensions, dict) else None
    return found if isinstance(found, Hints) else Hints()
