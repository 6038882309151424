"""`status` right after a rollback (moto server, end to end): the config that "served before"
the current one is then the bad one just rolled back from, so its apply is no way back but a
roll forward to the bad image. The words must say which it is: an on-call following the line
literally at 3 a.m. would otherwise deploy the bad model again."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.rollback import rollback_lines
from tests.deploy.deploy_helpers import IMAGE, IMAGE2, engine

pytestmark = pytest.mark.usefixtures("aws_env")


def _said(project: Path) -> list[str]:
    eng = engine(project, image=None)
    return [line.strip() for line in rollback_lines(eng.observe(), eng.names)]


def test_after_a_deploy_the_previous_image_is_the_way_back(project: Path) -> None:
    engine(project).apply()  # image A serves
    engine(project, image=IMAGE2).apply()  # B serves; A's config kept
    said = _said(project)
    assert said[0] == f"image     {IMAGE2}"
    (way,) = [line for line in said if "python -m deploy apply" in line]
    assert way.startswith(f"to go back to it: python -m deploy apply --image {IMAGE}")


def test_right_after_a_rollback_the_previous_image_is_the_bad_one(project: Path) -> None:
    engine(project).apply()  # A
    engine(project, image=IMAGE2).apply()  # B, the bad one
    engine(project, image=IMAGE).apply()  # the rollback: `apply --image A`
    said = _said(project)
    assert said[0] == f"image     {IMAGE}"
    assert not [line for line in said if "go back" in line], said
    (note,) = [line for line in said if "rolled back from" in line]
    assert f"python -m deploy apply --image {IMAGE2}" in note, note
    assert "roll forward" in note, note
    # the Run workflow line is the same roll forward, not a way back
    github = [line for line in said if line.startswith("or from GitHub")]
    assert all("roll forward" in line for line in github), github
