"""One project in two regions against the moto server: IAM role names are global, so the
stack's two service roles are shared by name while their policies name one region's
resources. Plan and apply in the second region stop before any change; destroy there leaves
the roles the first region's stack runs as."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from deploy import planner
from deploy.aws import DeployError
from deploy.cli import main
from deploy.engine import Engine, Planned
from tests.deploy.deploy_helpers import IMAGE, PROJECT, edit_config, engine, session

pytestmark = pytest.mark.usefixtures("aws_env")
EU_IMAGE = IMAGE.replace("us-east-1", "eu-west-1")
ROLES = (f"{PROJECT}-sagemaker", f"{PROJECT}-lambda")


def _region(project: Path, region: str) -> None:
    path = project / "config.yaml"
    path.write_text(re.sub(r"(?m)^region: .*$", f"region: {region}", path.read_text()))


def _policies() -> dict[str, str]:
    iam = session().client("iam")
    return {
        r: json.dumps(
            iam.get_role_policy(RoleName=r, PolicyName=f"{PROJECT}-least-privilege")[
                "PolicyDocument"
            ],
            sort_keys=True,
        )
        for r in ROLES
    }


def _apply_without_the_guard(eng: Engine) -> None:
    """What apply did before the engine looked at the roles' region: it took them over."""
    inputs = eng.inputs()
    desired = eng.desired(inputs)
    world = eng.observe(desired)
    eng.apply(Planned(planner.plan(eng.types, desired, world), world, eng.names, inputs))


def test_a_region_change_stops_before_any_change_while_the_roles_serve_the_old_one(
    project: Path, capsys
) -> None:
    engine(project).apply()
    before = _policies()
    _region(project, "eu-west-1")
    eng = engine(project, image=EU_IMAGE)
    with pytest.raises(DeployError) as err:
        eng.plan()
    assert eng.aws.log.mutating == []
    msg = str(err.value)
    assert "serve the stack of project trends-anomaly in us-east-1" in msg
    assert "IAM role names are global" in msg and "Nothing was changed" in msg
    assert "`python -m deploy destroy --yes` with `region: us-east-1` in config.yaml" in msg
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    assert main(["--config", cfg, "plan", "--image", EU_IMAGE]) == 1
    assert main(["--config", cfg, "apply", "--image", EU_IMAGE]) == 1
    err_text = capsys.readouterr().err
    assert err_text.count("error: IAM roles trends-anomaly-sagemaker, trends-anomaly-lambda") == 2
    # `image` (and an environment's apply, which starts with it) stops before pushing too.
    eng = engine(project, image=None)
    with pytest.raises(DeployError, match="serve the stack of project trends-anomaly in us-east"):
        eng.ensure_image()
    assert eng.aws.log.mutating == []
    assert _policies() == before  # the us-east-1 stack still runs as it did
    _region(project, "us-east-1")
    assert not engine(project).plan().changes


@pytest.mark.slow
def test_destroy_in_the_other_region_keeps_the_roles_the_first_one_runs_as(
    project: Path, capsys
) -> None:
    """The state an engine without the guard left: both regions deployed, the roles last
    written by the us-east-1 apply. Destroying eu-west-1 removes its stack but the roles."""
    engine(project).apply()
    _region(project, "eu-west-1")
    _apply_without_the_guard(engine(project, image=EU_IMAGE))
    _region(project, "us-east-1")
    _apply_without_the_guard(engine(project))
    _region(project, "eu-west-1")
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    assert main(["--config", cfg, "destroy", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "delete  endpoint                trends-anomaly" in out
    assert "delete  iam_role" not in out
    for role in ROLES:
        assert (
            f"Kept IAM role {role}: its policy names the resources of us-east-1, so it serves "
            "the project's stack there (IAM role names are global)"
        ) in out
    left = engine(project, image=None).observe()  # nothing pushed: only the roles are left
    assert sorted(r.name for r in left) == sorted(ROLES)  # the rest of eu-west-1 is gone
    _region(project, "us-east-1")
    assert not engine(project).plan().changes  # not `+ create iam_role` as before
    assert main(["--config", cfg, "status"]) == 0
    assert f"roles     {', '.join(ROLES)}" in capsys.readouterr().out


def test_a_stack_with_nothing_deployed_is_said_to_be_new(project: Path, capsys) -> None:
    """A renamed project (or another region) is a second stack: plan says nothing of it
    exists yet, so an operator who meant to change the deployed one notices."""
    cfg = str(project / "config.yaml")
    assert main(["--config", cfg, "plan", "--image", IMAGE]) == 2
    out = capsys.readouterr().out
    assert out.splitlines()[1] == (
        "No resource of project trends-anomaly exists in us-east-1 (account 123456789012) "
        "yet: 25 to create, a new stack. A renamed `project` or another `region` leaves the "
        "stack deployed under the old ones running (remove it with `destroy` and its own "
        "config.yaml)."
    )
    engine(project).apply()
    assert main(["--config", cfg, "plan", "--image", IMAGE, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["notes"] == []


def test_a_plan_in_a_low_throttle_region_warns_of_a_throttle_above_its_quota(
    project: Path,
) -> None:
    """af-south-1's default account throttle is 2,500 req/s (API Gateway quotas): a route's
    3,000 cannot be had there unless the quota was raised, and the plan says so."""
    _region(project, "af-south-1")
    edit_config(project, "api:\n", "api:\n  throttling:\n    rate: 3000\n")
    planned = engine(project, image=IMAGE.replace("us-east-1", "af-south-1")).plan()
    (said,) = [w for w in planned.warnings if "api.throttling" in w]
    assert said.startswith("api.throttling.rate 3000 is above 2,500"), said
