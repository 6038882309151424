"""`apply --image <the kept image>` while the bad merge's switch is still under way (moto
server; the Updating moto cannot play is scripted on the engine's client, every call still
reaching moto).

The bad merge's deploy job was cancelled while it waited (SIGTERM releases the lock; what
SageMaker was asked goes on): the endpoint is Updating from A to the bad B. While an update is
in progress DescribeEndpoint names the config still serving in EndpointConfigName and the one
being deployed in PendingDeploymentSummary ("only returned when the endpoint is creating or
updating with a new endpoint configuration": SageMaker API Reference, DescribeEndpoint and
PendingDeploymentSummary). Once B is InService it serves, so going back to A means waiting for
B's update, then switching to A, not waiting for "InService on A".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deploy.aws import tag_list
from deploy.resources.endpoint_config import PREVIOUS, REQUESTED, SERVING
from tests.deploy.deploy_helpers import (
    IMAGE,
    IMAGE2,
    PROJECT,
    engine,
    inventory,
    session,
    shared_engine,
)
from tests.support.aws_clock import CLOCK

pytestmark = pytest.mark.usefixtures("aws_env")


def _served_config() -> str:
    sm = session().client("sagemaker")
    return str(sm.describe_endpoint(EndpointName=PROJECT)["EndpointConfigName"])


def _updating_to_bad(project: Path) -> tuple[str, str]:
    """A served; B's apply called UpdateEndpoint and was cancelled in its wait. moto switches at
    once: the tags are set back to what the cancelled apply left (asked B, A served)."""
    shared_engine(project).apply()
    good = _served_config()
    shared_engine(project, image=IMAGE2).apply()
    bad = _served_config()
    sm = session().client("sagemaker")
    arn = sm.describe_endpoint(EndpointName=PROJECT)["EndpointArn"]
    sm.delete_tags(ResourceArn=arn, TagKeys=[PREVIOUS])
    sm.add_tags(ResourceArn=arn, Tags=tag_list({REQUESTED: bad, SERVING: good}))
    return good, bad


def _play_updating(
    eng: Any, old: str, pending: str, seconds: float, then_failed: str | None = None
) -> None:
    """DescribeEndpoint answers Updating on ``old`` with ``pending`` being deployed, for
    ``seconds`` of the engine's clock, then what moto has (InService on ``pending``, or on
    ``old`` when the test set it back so: the update failed, ``then_failed`` its
    FailureReason until another update starts)."""
    until = CLOCK.now() + seconds
    failed = [then_failed]

    def play(parsed: dict[str, Any], **_: Any) -> None:
        if "EndpointStatus" not in parsed:
            return
        if CLOCK.now() < until:
            parsed["EndpointStatus"] = "Updating"
            parsed["EndpointConfigName"] = old
            parsed["PendingDeploymentSummary"] = {"EndpointConfigName": pending}
        elif failed[0] and parsed.get("EndpointConfigName") == old:
            parsed["FailureReason"] = failed[0]
        else:
            failed[0] = None

    eng.aws.client("sagemaker").meta.events.register("after-call.sagemaker.DescribeEndpoint", play)


def test_rollback_while_the_bad_switch_is_under_way_waits_then_switches_back(
    project: Path,
) -> None:
    good, bad = _updating_to_bad(project)
    eng = engine(project, image=IMAGE)
    _play_updating(eng, good, bad, seconds=120)
    planned = eng.plan()
    (endpoint,) = [a for a in planned.actions if a.kind == "endpoint"]
    assert endpoint.op == "update", (endpoint.op, endpoint.reason)
    assert bad in endpoint.reason and good in endpoint.reason, endpoint.reason
    eng.apply(planned)
    assert _served_config() == good


def test_status_names_the_config_an_update_in_progress_deploys() -> None:
    """The on-call reads status first: an endpoint Updating to the bad config says so, not only
    the config serving meanwhile."""
    from deploy.naming import Names
    from deploy.ops import status_lines
    from deploy.resources.endpoint import SeenEndpoint
    from deploy.world import World

    world = World(account="123456789012", region="us-east-1")
    tags = {REQUESTED: "c-b", SERVING: "c-a"}
    world.add(SeenEndpoint("ep", "arn:ep", "c-a", "Updating", None, tags, pending="c-b"))
    (line,) = [ln for ln in status_lines(world, Names("ep", "1", "us-east-1")) if "endpoint" in ln]
    assert "Updating on c-a" in line and "to c-b" in line, line


def test_a_new_image_during_an_update_keeps_the_config_it_moves_to_for_rollback(
    project: Path,
) -> None:
    """A served; a cancelled apply's switch to P goes on; the next merge's apply (image W)
    waits for P, then switches from P to W. P is then the config that served before W: the
    one kept for rollback, not a config in use kept only until the update ends. A, serving
    while the plan was made, is kept too, without a line saying it is kept until the endpoint
    is deleted: it served before P, the older generation the apply after deletes."""
    served, moving_to = _updating_to_bad(project)
    eng = engine(project, image=IMAGE2.replace("test-2", "test-3"))
    _play_updating(eng, served, moving_to, seconds=120)
    planned = eng.plan()
    deleted = {a.name for a in planned.actions if a.op == "delete"}
    assert moving_to not in deleted, sorted(deleted)
    kept_lines = [n for n in planned.notes if n.startswith("Kept")]
    assert kept_lines == [], kept_lines
    eng.apply(planned)
    new = _served_config()
    sm = session().client("sagemaker")
    arn = sm.describe_endpoint(EndpointName=PROJECT)["EndpointArn"]
    tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}
    assert (tags[SERVING], tags[PREVIOUS]) == (new, moving_to), tags
    shared_engine(project, image=IMAGE2.replace("test-2", "test-3")).apply()
    assert sorted(inventory()["endpoint_configs"]) == sorted([new, moving_to])


def test_an_update_rolled_back_while_waiting_is_not_recorded_as_the_previous_config(
    project: Path,
) -> None:
    """A served; a cancelled apply's switch to P goes on and fails: SageMaker rolls it back and
    A serves again, InService with a FailureReason ("If the status of the endpoint is Failed,
    or the status is InService but update operation fails, this provides the reason why it
    failed": SageMaker API Reference, EndpointMetadata). The next merge's apply (image W)
    planned while it was Updating from A to P, waited, then switched: the switch left A, so A
    is the config that served before W, the one kept for rollback; P never served."""
    served, never_served = _updating_to_bad(project)
    sm = session().client("sagemaker")
    sm.update_endpoint(EndpointName=PROJECT, EndpointConfigName=served)  # moto: at once
    assert _served_config() == served
    eng = engine(project, image=IMAGE2.replace("test-2", "test-3"))
    _play_updating(eng, served, never_served, seconds=120, then_failed="health check failed.")
    planned = eng.plan()
    (endpoint,) = [a for a in planned.actions if a.kind == "endpoint"]
    assert endpoint.op == "update", (endpoint.op, endpoint.reason)
    assert f"rolls it back and {served} serves on" in endpoint.reason, endpoint.reason
    eng.apply(planned)
    new = _served_config()
    assert new not in (served, never_served)
    arn = sm.describe_endpoint(EndpointName=PROJECT)["EndpointArn"]
    tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}
    assert (tags[SERVING], tags[PREVIOUS]) == (new, served), tags
    shared_engine(project, image=IMAGE2.replace("test-2", "test-3")).apply()
    assert sorted(inventory()["endpoint_configs"]) == sorted([new, served])


def test_a_rollback_to_the_wanted_config_while_waiting_calls_no_update(project: Path) -> None:
    """A served; a cancelled apply's switch to the bad B goes on, and `apply --image <A's
    image>` is planned meanwhile (Updating from A to B: wait, then switch back to A). B's
    update fails and SageMaker rolls back: A serves again, the very config this apply wants.
    The switch called UpdateEndpoint to A all the same, a second fleet of what already serves
    (SageMaker's UpdateEndpoint "deploys the EndpointConfig specified in the request to a new
    fleet of instances"). Now it calls none, and its progress line says so; the record says A
    serves."""
    good, bad = _updating_to_bad(project)
    sm = session().client("sagemaker")
    sm.update_endpoint(EndpointName=PROJECT, EndpointConfigName=good)  # moto: at once
    lines: list[str] = []
    eng = engine(project, image=IMAGE, log=lines.append)
    _play_updating(eng, good, bad, seconds=120, then_failed="health check failed.")
    updates: list[dict[str, Any]] = []
    eng.aws.client("sagemaker").meta.events.register(
        "before-call.sagemaker.UpdateEndpoint", lambda params, **_: updates.append(params)
    )
    planned = eng.plan()
    (endpoint,) = [a for a in planned.actions if a.kind == "endpoint"]
    assert endpoint.op == "update" and bad in endpoint.reason, (endpoint.op, endpoint.reason)
    eng.apply(planned)
    out = " ".join(" ".join(lines).split())
    assert updates == [], updates
    assert (
        f"not called: endpoint {PROJECT} is InService on {good} already, the config this apply "
        "wants" in out
    ), out
    assert _served_config() == good
    arn = sm.describe_endpoint(EndpointName=PROJECT)["EndpointArn"]
    tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}
    assert (tags[SERVING], tags[REQUESTED]) == (good, good), tags


def test_a_rollback_by_hand_during_an_apply_stops_its_switch_before_overriding_it(
    project: Path,
) -> None:
    """B serves (A before it); an apply of image C plans its switch from B, and while its
    earlier steps run the on-call rolls back by hand (UpdateEndpoint to A, in the console).
    Seen before: the apply switched to C over that rollback, recorded B as the config served
    before (A served), and its clean-up, planned for B, deleted A. Now it stops right before
    its UpdateEndpoint, nothing switched, recorded or deleted: A serves on; the next apply
    plans from A."""
    from deploy.aws import DeployError

    shared_engine(project).apply()
    good = _served_config()
    shared_engine(project, image=IMAGE2).apply()
    bad = _served_config()
    eng = engine(project, image=IMAGE2.replace("test-2", "test-3"))
    planned = eng.plan()
    sm = session().client("sagemaker")
    tags_before = sm.list_tags(
        ResourceArn=sm.describe_endpoint(EndpointName=PROJECT)["EndpointArn"]
    )
    sm.update_endpoint(EndpointName=PROJECT, EndpointConfigName=good)  # by hand, at once on moto
    assert _served_config() == good
    with pytest.raises(DeployError) as err:
        eng.apply(planned)
    words = " ".join(str(err.value).split())
    assert f"is InService on {good} now, not InService on {bad} as when this apply" in words
    assert _served_config() == good
    assert good in inventory()["endpoint_configs"], inventory()["endpoint_configs"]
    arn = sm.describe_endpoint(EndpointName=PROJECT)["EndpointArn"]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == tags_before["Tags"]


def test_a_switch_by_hand_while_the_apply_waits_stops_its_switch_before_deleting_it(
    project: Path,
) -> None:
    """A served (Z, another config of ours, before it); a cancelled apply's switch to B goes
    on; an apply of image W is planned meanwhile (Updating from A to B: wait, then switch),
    its clean-up planned to keep W, B and A, and delete Z. While it waits the on-call switches
    by hand to Z. Seen before: the switch read Z after the wait, switched to W, recorded Z as
    the config served before, then deleted Z: the record named a deleted config and the hand
    change was overridden. Now it stops once the wait settles on Z, nothing switched,
    recorded or deleted: Z serves on; the next apply plans from Z."""
    from deploy.aws import DeployError

    good, bad = _updating_to_bad(project)
    sm = session().client("sagemaker")
    variants = sm.describe_endpoint_config(EndpointConfigName=good)["ProductionVariants"]
    hand = good[: -len(good.split("-")[-1])] + "0" * len(good.split("-")[-1])
    tags = sm.list_tags(
        ResourceArn=sm.describe_endpoint_config(EndpointConfigName=good)["EndpointConfigArn"]
    )["Tags"]
    sm.create_endpoint_config(EndpointConfigName=hand, ProductionVariants=variants, Tags=tags)
    arn = sm.describe_endpoint(EndpointName=PROJECT)["EndpointArn"]
    tags_before = sm.list_tags(ResourceArn=arn)["Tags"]
    eng = engine(project, image=IMAGE2.replace("test-2", "test-3"))
    _play_updating(eng, good, bad, seconds=120)
    planned = eng.plan()
    deleted = {a.name for a in planned.actions if a.op == "delete"}
    assert hand in deleted and not {good, bad} & deleted, sorted(deleted)
    sm.update_endpoint(EndpointName=PROJECT, EndpointConfigName=hand)  # by hand, during the wait
    with pytest.raises(DeployError) as err:
        eng.apply(planned)
    words = " ".join(str(err.value).split())
    assert f"is InService on {hand} now, not on {good} or {bad} as when this apply" in words
    assert _served_config() == hand
    assert hand in inventory()["endpoint_configs"], inventory()["endpoint_configs"]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == tags_before


def test_an_update_begun_right_after_the_wait_stops_the_switch_before_its_update(
    project: Path,
) -> None:
    """A served; a cancelled apply's switch to B goes on; an apply of image W is planned
    meanwhile (Updating from A to B: wait, then switch). B lands, the wait ends InService on
    B, and right then another update begins (a scaling activity, an UpdateEndpoint by hand):
    the read right before the switch's UpdateEndpoint finds it Updating. SageMaker refuses
    UpdateEndpoint while it works on the endpoint (the test server too, now), and the call has
    no busy retry. Seen before: UpdateEndpoint sent, the apply failed there with the raw
    ValidationException 'Cannot update in-progress endpoint'. Now it stops at the read,
    nothing switched, recorded or deleted, and says to run it again."""
    from deploy.aws import DeployError
    from tests.support.moto_sagemaker import hold

    good, bad = _updating_to_bad(project)
    sm = session().client("sagemaker")
    arn = sm.describe_endpoint(EndpointName=PROJECT)["EndpointArn"]
    tags_before = sm.list_tags(ResourceArn=arn)["Tags"]
    eng = engine(project, image=IMAGE2.replace("test-2", "test-3"))
    _play_updating(eng, good, bad, seconds=120)
    begun: list[str] = []

    def another_update_once_settled(parsed: dict[str, Any], **_: Any) -> None:
        if not begun and parsed.get("EndpointStatus") == "InService":
            begun.append(str(parsed.get("EndpointConfigName")))
            hold(PROJECT, "Updating", None)  # on the server: every client sees it from now

    updates: list[dict[str, Any]] = []
    events = eng.aws.client("sagemaker").meta.events
    events.register("after-call.sagemaker.DescribeEndpoint", another_update_once_settled)
    events.register(
        "before-call.sagemaker.UpdateEndpoint", lambda params, **_: updates.append(params)
    )
    planned = eng.plan()
    (endpoint,) = [a for a in planned.actions if a.kind == "endpoint"]
    assert endpoint.op == "update" and bad in endpoint.reason, (endpoint.op, endpoint.reason)
    with pytest.raises(DeployError) as err:
        eng.apply(planned)
    assert begun == [bad], begun  # the wait settled on B, as planned
    words = " ".join(str(err.value).split())
    assert (
        f"endpoint {PROJECT} is Updating on {bad} now, right before this apply's switch" in words
    ), words
    assert "run the command again" in words, words
    assert updates == [], updates
    assert sm.list_tags(ResourceArn=arn)["Tags"] == tags_before
    assert {good, bad} <= set(inventory()["endpoint_configs"]), inventory()["endpoint_configs"]
