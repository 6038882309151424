"""The number of built images ECR keeps, wherever the docs write it, is the code's.

`deploy.image.KEEP_IMAGES` sets the repository's lifecycle policy, and every message reads it
through `kept_images()` (tests/deploy/test_kept_images.py); the READMEs and docs/ pages write the
number in prose ("the 20 newest built images", "more than 20 model changes"), where nothing
followed a change of it. Each such number is read out of the Markdown and held against it.
"""

from __future__ import annotations

import re

from deploy.image import KEEP_IMAGES
from tests.support.readme_text import READMES, read

# How the pages say the count: "the 20 newest (built) images", "more than 20 model changes",
# and deploy/README.md's "`KEEP_IMAGES` (20; ...". Read with line wraps joined.
_SAID = (
    re.compile(r"\b(\d+) newest (?:built )?images"),
    re.compile(r"\bmore than (\d+) model changes"),
    re.compile(r"`KEEP_IMAGES` \((\d+)\b"),
)
# The places that say it today: a pattern that stops matching one is a test that checks nothing.
PAGES = {
    "deploy/README.md",
    "docs/deploy-commands.md",
    "docs/deploy.md",
    "docs/environments.md",
    "docs/rolling-back.md",
}


def counts_said() -> list[tuple[str, str, int]]:
    """Every (page, words, number) the pages say the kept images' count with."""
    found = []
    for page in READMES:
        text = " ".join(read(page).replace("**", "").split())
        for pattern in _SAID:
            found += [(page, m.group(0), int(m.group(1))) for m in pattern.finditer(text)]
    return found


def test_the_docs_say_the_count_the_lifecycle_policy_keeps() -> None:
    wrong = [(page, words) for page, words, n in counts_said() if n != KEEP_IMAGES]
    assert wrong == [], f"KEEP_IMAGES is {KEEP_IMAGES} (deploy/image.py): {wrong}"


def test_every_page_that_says_the_count_is_read() -> None:
    assert {page for page, _, _ in counts_said()} >= PAGES
