"""Deterministic names and ARNs: how every resource is found again without a state file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from deploy.naming import (
    ANY_ENV,
    ANY_PREVIEW,
    LONGEST_PREVIEW,
    MAX_PREVIEW_NUMBER,
    PREVIEW_PREFIX,
    Names,
    content_hash,
    ecr_repository_arn_of,
    is_preview,
    partition_of,
    preview_env,
    preview_number,
    site_url,
    starts_like,
)
from tests.deploy.deploy_helpers import CONFIG, ENVIRONMENTS

ROOT = Path(__file__).resolve().parents[2]
N = Names("trends-anomaly", "123456789012", "us-east-1")
IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/trends-anomaly:x"


def test_names_follow_the_team_contract() -> None:
    assert N.ecr_repository == "trends-anomaly"
    assert N.bucket == "trends-anomaly-site-123456789012-us-east-1"
    assert N.scaling_resource_id == "endpoint/trends-anomaly/variant/main"
    assert N.role_arn(N.lambda_role) == "arn:aws:iam::123456789012:role/trends-anomaly/" + (
        "trends-anomaly-lambda"
    )
    assert N.model("0123abcd") == "trends-anomaly-m-0123abcd"
    assert N.model_pattern.match("trends-anomaly-m-0123abcd")
    assert not N.model_pattern.match("trends-anomaly-extra-m-0123abcd")
    assert N.oac == "trends-anomaly-site-us-east-1"
    assert (
        N.bucket_domain == "trends-anomaly-site-123456789012-us-east-1.s3.us-east-1.amazonaws.com"
    )
    assert site_url("d1.cloudfront.net") == "https://d1.cloudfront.net"


def test_a_glob_environment_gives_each_names_glob() -> None:
    """What the roles' policies grant for every preview (or every stack) at once."""
    every = Names("trends-anomaly", "123456789012", "us-east-1", ANY_PREVIEW)
    assert every.is_preview and every.ecr_repository == "trends-anomaly-pr-*"  # a preview's own
    assert every.function == "trends-anomaly-pr-*-detect"
    assert starts_like(every.function_arn).endswith(":function:trends-anomaly-pr-*")
    assert starts_like(every.bucket) == "trends-anomaly-pr-*"
    assert starts_like("no-wildcard") == "no-wildcard"
    stacks = Names("trends-anomaly", "123456789012", "us-east-1", ANY_ENV)
    assert not stacks.is_preview and stacks.ecr_repository == "trends-anomaly"
    assert stacks.scaling_alarms == "TargetTracking-endpoint/trends-anomaly-*/variant/*"


def test_arns_and_hosts_follow_the_regions_partition() -> None:
    assert partition_of("us-east-1").name == "aws"
    gov = Names("p", "123456789012", "us-gov-west-1")
    assert gov.endpoint_arn == "arn:aws-us-gov:sagemaker:us-gov-west-1:123456789012:endpoint/p"
    assert gov.role_arn("r").startswith("arn:aws-us-gov:iam::123456789012:role/")
    cn = Names("p", "123456789012", "cn-north-1")
    assert cn.function_arn.startswith("arn:aws-cn:lambda:cn-north-1:")
    assert cn.ecr_registry == "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"
    assert cn.api_url("abc") == "https://abc.execute-api.cn-north-1.amazonaws.com.cn"
    assert partition_of("mars-1") is None and partition_of("aws-global") is None
    assert (
        ecr_repository_arn_of("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/x:1")
        == "arn:aws-cn:ecr:cn-north-1:123456789012:repository/x"
    )


def test_one_permission_per_route_limited_to_that_route() -> None:
    assert N.permission_sid("POST /detect") == "trends-anomaly-apigw-detect"
    assert N.permission_sid("GET /health") == "trends-anomaly-apigw-health"
    assert N.permission_sid("GET /") == "trends-anomaly-apigw-root"
    assert N.api_execute_arn("abc", "GET /health") == (
        "arn:aws:execute-api:us-east-1:123456789012:abc/*/GET/health"
    )
    assert N.api_arn("abc") == "arn:aws:apigateway:us-east-1::/apis/abc"


def test_content_hash_is_order_independent_and_sensitive() -> None:
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})
    assert len(content_hash({})) == 8


def test_ecr_arn_of_image_uri() -> None:
    assert ecr_repository_arn_of(IMG) == (
        "arn:aws:ecr:us-east-1:123456789012:repository/trends-anomaly"
    )
    assert ecr_repository_arn_of("public.ecr.aws/x/y:1") is None


# ------------------------------------------------------------------ a preview's one name
REPO = Path(__file__).resolve().parents[2]


def test_a_previews_name_is_spelled_once_and_read_back_by_its_inverse() -> None:
    for number in (1, 7, 70, MAX_PREVIEW_NUMBER):
        assert preview_number(preview_env(number)) == number
    assert preview_env(7) == "pr-7" and preview_env(MAX_PREVIEW_NUMBER) == LONGEST_PREVIEW
    for other in ("pr-07", "pr-0", f"pr-{MAX_PREVIEW_NUMBER + 1}", "pr-", "staging", "", None):
        assert preview_number(other) is None and not is_preview(other)
    assert f"{PREVIEW_PREFIX}*" == ANY_PREVIEW


def test_no_code_spells_a_previews_name_itself() -> None:
    """``pr-{number}`` lives in naming.py (`preview_env`); every other module (and the
    workflows' scripts) calls it, so renaming previews is one edit."""
    spelled = re.compile(r"""f["'][^"']*\bpr-\{""")
    sources = [*(REPO / "deploy").rglob("*.py"), *(REPO / ".github" / "scripts").glob("*.py")]
    found = [
        f"{path.relative_to(REPO)}:{i}"
        for path in sources
        if path.name != "naming.py"
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if spelled.search(line)
    ]
    assert found == []


def test_the_workflows_take_a_previews_name_from_preview_decision_never_build_it() -> None:
    """The preview workflow's ``env`` is preview_decision.py's output (`preview_env`); the one
    ``pr-${{ … }}`` in a workflow is pr.yml's concurrency group, no preview's name."""
    built = [
        (path.name, line.strip())
        for path in sorted((REPO / ".github" / "workflows").glob("*.yml"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"(?<![\w-])pr-\$\{\{", line)  # not plan-pr-… (a session name)
    ]
    group = "group: pr-${{ github.event.pull_request.number || github.ref }}"  # a merge group
    assert built == [("pr.yml", group)]
    preview = (REPO / ".github" / "workflows" / "preview.yml").read_text(encoding="utf-8")
    assert "env: ${{ steps.decide.outputs.env }}" in preview
    assert "STAGE: ${{ needs.decide.outputs.env }}" in preview


# In a process of its own, as `python -m deploy` and the CI steps run: botocore's own
# loaders (the test process shares one, tests/support/botocore_models.py).
READS_OF_EACH_FILE = """
import collections, json, sys
import botocore.loaders
from deploy.config import load_config_file
from deploy.quotas import endpoint_instance_types

reads = collections.Counter()
real = botocore.loaders.JSONFileLoader.load_file

def counted(self, path):
    reads[str(path)] += 1
    return real(self, path)

botocore.loaders.JSONFileLoader.load_file = counted
load_config_file(sys.argv[1]).select("production", False)
endpoint_instance_types()
print(json.dumps(reads))
"""


def test_botocores_data_is_read_once_per_process(tmp_path: Path) -> None:
    """Config validation (SageMaker's regions, the partition table, five services' name
    rules) and the instance types read botocore's bundled files through one session:
    endpoints.json (1.2 MB) was parsed twice and SageMaker's model (megabytes) three times
    in every `python -m deploy` and every CI step that reads config.yaml."""
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG + ENVIRONMENTS)
    out = subprocess.run(
        [sys.executable, "-c", READS_OF_EACH_FILE, str(config)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    reads = json.loads(out)
    assert any("sagemaker" in path for path in reads) and any("endpoints" in p for p in reads)
    assert {path: n for path, n in reads.items() if n > 1} == {}
