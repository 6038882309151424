"""Say where a term is read from too thin a sample for its values to mean much.

A term searched by few people reads 0 most weeks and now and then one search's worth, which
may be a tenth or a third of the scale. ``auto`` treats those values as sampling noise (see
``auto.sampling``): the expected range there is wide and only a surge of many searches is
reported. A person looking at the chart sees tall spikes with no dot and a band reaching far
up, so the answer's warnings say which dates that is and why.
"""

from __future__ import annotations

from .auto.sampling import NOISE_KEY as KEY
from .types import Detection, Series


def sparse_warning(series: Series, detection: Detection) -> str | None:
    """The warning for a term with stretches of sampling noise, or None."""
    spans = detection.chosen.get(KEY)
    if not spans:
        return None
    return (
        f"{series.name}: {spans} the term reads mostly 0, with now and then a lone value of one "
        "search or a few: sampling noise, too few searches for Google Trends to measure. There "
        "its expected range is wide and only a surge of many searches is reported"
    )
