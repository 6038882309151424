"""The hints of the errors the server answers on a model's behalf, in the model's words.

The server refuses a body over the limit (413) and one that stopped arriving (408) before the
model sees it, so it cannot know what the model's callers send: "a shorter time range" means
something to a Trends analyst and nothing to a caller of another model. A model passes its own
words to ``create_app``; these defaults hold for any model.
"""

from __future__ import annotations

from dataclasses import dataclass

from .error_shape import TOO_LARGE_HINT


@dataclass(frozen=True)
class Hints:
    too_large: str = TOO_LARGE_HINT  # 413 payload_too_large: what to send instead
    body_timeout: str = (  # 408 request_timeout
        "Send the whole request at once; a body this big needs a faster connection, or send "
        "a smaller one."
    )
