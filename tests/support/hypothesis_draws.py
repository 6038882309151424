"""The gate's property tests draw what their own code and Hypothesis's version decide, never
what else the test process happened to import first.

Hypothesis (since HypothesisWorks/hypothesis#4356; uv.lock's 6.170.17 does) draws about one
number, string or bytes in twenty from constants: half the time its own (0, -1, inf, ...),
half the time a pool it lifts from the source of every "local" module in `sys.modules`
(outside the standard library and site-packages, test files aside). `derandomize` seeds the
random generator from the test function ("the same set of test cases until you update
Hypothesis, Python, or the test function":
https://hypothesis.readthedocs.io/en/latest/reference/api.html#hypothesis.settings.derandomize),
but that pool grows with each module of the project imported so far. So a test drew other
examples after other test files were collected or had run in its process (a lone file, a
full `make test`, each xdist worker's share): tests/model/test_dbscan.py's properties drew
other series from their 19th example on after tests/deploy/test_naming.py in the same process
than alone. The gate keeps that pool empty; HYPOTHESIS_EXPLORE=1
leaves Hypothesis as it comes."""

from __future__ import annotations

from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants


def without_local_constants() -> None:
    """Every Hypothesis provider in this process sees an empty pool of the project's constants.
    Hypothesis's own constants stay; a Hypothesis that renames the hook fails here, loudly."""
    if not callable(getattr(providers, "_get_local_constants", None)):
        raise RuntimeError(
            "hypothesis.internal.conjecture.providers._get_local_constants is gone: see whether "
            "this Hypothesis still draws constants from the project's modules, and pin its pool "
            "anew in tests/support/hypothesis_draws.py (or drop the pin if it no longer does)."
        )
    empty = Constants()
    providers._get_local_constants = lambda: empty
