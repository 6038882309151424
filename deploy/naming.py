"""Deterministic names and ARNs: how every resource is found again without a state file.

Every ARN and every AWS host name is built from the region's *partition* (``aws``,
``aws-cn``, ``aws-us-gov`` ...), read from botocore's own partition table, never assumed to
be ``arn:aws:`` / ``amazonaws.com``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used (botocore_session): the GitHub steps need none
    import botocore.session

VARIANT = "main"
SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
# AWS account ids are always 12 digits: name lengths can be checked before the account is known.
ACCOUNT_DIGITS = 12

# Where AWS puts each log group of a stack: a fixed prefix, then the resource's name (Names'
# *_log_group). The one place they are written: the roles' policies (bootstrap/policies.py),
# the preview finder (previews.py) and `logs` take them from here or from Names, so a rename
# cannot leave one of them behind (tests/deploy/bootstrap/test_policies.py checks the ARNs,
# test_policies_names.py every other name the roles grant).
LAMBDA_LOG_PREFIX = "/aws/lambda/"  # Lambda's own: /aws/lambda/<function>
ENDPOINT_LOG_PREFIX = "/aws/sagemaker/Endpoints/"  # SageMaker's own: .../<endpoint>
API_LOG_PREFIX = "/aws/vendedlogs/apigateway/"  # ours, for the access log: Names.api_log_group
LOG_GROUP_PREFIXES = (LAMBDA_LOG_PREFIX, ENDPOINT_LOG_PREFIX, API_LOG_PREFIX)

# Hex digits of the hash a model's and an endpoint config's names end in (content_hash).
SPEC_HASH_LENGTH = 8
# IAM globs (``*`` any run, ``?`` one character) for what the roles' policies grant by kind
# rather than one by one (bootstrap/policies.py; tests/deploy/bootstrap/test_policies_names.py
# checks every name they grant is one Names makes, and each such name is granted):
SPEC_HASH_GLOB = "?" * SPEC_HASH_LENGTH  # any model's or endpoint config's hash
API_ID_GLOB = "?" * 10  # any HTTP API (API Gateway's ids have 10 characters)
# As ``env`` of Names: every name becomes the glob of that name across deployments.
# Never a grant: ``{project}-*-detect`` also matches project ``{project}-x``'s names (the roles
# name each configured stack, `policies._configured_stacks`; deploy/README.md, "Project and
# environment names").
ANY_ENV = "*"  # every environment and preview of the project: ``{project}-*-detect``
# A pull request's preview is the environment PREVIEW_PREFIX + its number (`preview_env`).
PREVIEW_PREFIX = "pr-"
# The pull request label that asks for a preview (previews.py judges it, and preview.yml's
# decision step, which imports no boto3: here, not in previews.py).
PREVIEW_LABEL = "preview"
ANY_PREVIEW = f"{PREVIEW_PREFIX}*"  # every preview (PREVIEW_RE): ``{project}-pr-*-detect``


@dataclass(frozen=True)
class Partition:
    """An AWS partition as botocore describes it (data/partitions.json, data/endpoints.json)."""

    name: str  # aws, aws-cn, aws-us-gov, ...
    dns_suffix: str  # amazonaws.com, amazonaws.com.cn, ...
    has_cloudfront: bool  # whether botocore knows a CloudFront endpoint there


@cache
def botocore_session() -> botocore.session.Session:
    """The process's one botocore session for the data botocore bundles (its endpoint data
    and service models): its loader reads and parses each file once. Config validation
    reads SageMaker's regions (SageMaker's model, for its endpoint prefix, and
    endpoints.json), the partition table (endpoints.json) and the name rules (five models,
    SageMaker's again), and plan the instance types (SageMaker's model): with a session or
    loader each, endpoints.json (1.2 MB) was parsed twice and SageMaker's model (megabytes)
    three times, in every `python -m deploy` and every CI step that reads config.yaml.

    botocore.session is imported here, not with this module: preview.yml's decision step
    and pr.yml's plan comment (.github/scripts) take only names from here, and each paid
    0.2 s of CPU, on every pull-request event, for an import it never used."""
    import botocore.session

    return botocore.session.get_session()


@cache
def _partition_table() -> tuple[list[dict[str, Any]], dict[str, bool]]:
    loader = botocore_session().get_component("data_loader")
    partitions = loader.load_data("partitions")["partitions"]
    endpoints = loader.load_data("endpoints")["partitions"]
    cloudfront = {
        p["partition"]: bool(p["services"].get("cloudfront", {}).get("endpoints"))
        for p in endpoints
    }
    return partitions, cloudfront


@cache
def service_regions(service: str, partition: str = "aws") -> tuple[str, ...]:
    """The regions of ``partition`` where botocore's bundled endpoint data has ``service``
    (read from the installed package: no network); empty when botocore knows none."""
    return tuple(botocore_session().get_available_regions(service, partition))


def partition_of(region: str) -> Partition | None:
    """The partition a region belongs to (explicit region lists first, then each partition's
    region pattern, as botocore resolves it); None for a name no partition claims."""
    partitions, cloudfront = _partition_table()
    found = next((p for p in partitions if region in p["regions"]), None)
    if found is None:
        found = next((p for p in partitions if re.match(p["regionRegex"], region)), None)
    if found is None or region.startswith(found["id"]):  # "aws-global" is no region
        return None
    return Partition(found["id"], found["outputs"]["dnsSuffix"], cloudfront.get(found["id"], False))


def service_principal(service: str, partition: str) -> str:
    """A service's principal in trust policies: ``<service>.amazonaws.com`` in every partition.

    The China partition once needed ``.amazonaws.com.cn`` for some services (EC2, 2016) while
    newer reports show the plain form required there (RDS monitoring, 2024); the engine only
    deploys to partitions with CloudFront's default domain (config.py), where the plain form
    is the documented one.
    """
    return f"{service}.amazonaws.com"


def content_hash(data: Any, length: int = SPEC_HASH_LENGTH) -> str:
    """sha256 of canonical JSON, truncated: equal specs give equal names on every machine."""
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:length]


# A pull request's preview environment: ``pr-<number>`` (no leading zero, at most 6 digits).
# Its one home: `preview_env` spells it, `preview_number` reads it back; everything else
# (the sweep, status, the comments, the workflows' preview_decision.py) goes through them.
PREVIEW_NUMBER = "[1-9][0-9]{0,5}"  # a regex: the number part
PREVIEW_RE = re.compile(rf"^{re.escape(PREVIEW_PREFIX)}({PREVIEW_NUMBER})$")
MAX_PREVIEW_NUMBER = 999_999

# The environments deploy.yml deploys, in its promotion order (its `environments` input;
# .github/scripts/ci_settings.py checks config.yaml against them): no preview, no other name.
WORKFLOW_STAGES = ("staging", "production")


def preview_env(number: int) -> str:
    """The environment name of pull request ``number``'s preview (``pr-7``; `preview_number`
    reads it back for 1 to MAX_PREVIEW_NUMBER)."""
    return f"{PREVIEW_PREFIX}{number}"


def preview_number(env: str | None) -> int | None:
    """`preview_env`'s inverse: the pull request number of a preview's environment name
    (None: not a preview's, ``pr-07`` included)."""
    m = PREVIEW_RE.fullmatch(env or "")
    return int(m.group(1)) if m else None


def is_preview(env: str | None) -> bool:
    return preview_number(env) is not None


# The longest preview name: what name-length checks of the preview template assume.
LONGEST_PREVIEW = preview_env(MAX_PREVIEW_NUMBER)


def previews_owner(project: str) -> str | None:
    """The project whose previews' names (``{owner}-pr-*``, which its preview and plan roles
    are granted) also cover every name of ``project``, or None. Every name starts with the
    project and a dash, so one with ``-pr-`` in it or ending ``-pr`` (``app-pr-x-detect``,
    ``app-pr-detect``) is ``app``'s: an IAM glob cannot say "a pull-request number", so the
    rule is on project names (config.py refuses them)."""
    at = f"{project}-".find(f"-{PREVIEW_PREFIX}")
    return project[:at] if at > 0 else None


def env_in_previews_of(env: str) -> str | None:
    """What an environment's name holds before ``-pr-`` (or a trailing ``-pr``), or None: its
    stack ``{project}-{env}`` is then a preview's name of project ``{project}-{that}``
    (``staging-pr-7`` of ``app`` is project ``app-staging``'s ``pr-7``), which that project's
    preview role is granted (``{project}-staging-pr-*``) and its sweep removes. `previews_owner`'s
    rule for environment names (config.py refuses them; ``pr`` and ``pr-*`` it refuses as
    this project's own previews'). The same cut as a project name's."""
    return previews_owner(env)


def _hashed(prefix: str) -> re.Pattern[str]:
    """Exactly ``prefix`` + a spec hash (a model's or an endpoint config's name, as listed)."""
    return re.compile(rf"^{re.escape(prefix)}[0-9a-f]{{{SPEC_HASH_LENGTH}}}$")


def starts_like(glob: str) -> str:
    """A glob cut after its first ``*``: ``{project}-pr-*-detect`` → ``{project}-pr-*``,
    every name that starts as that kind's names start (where a role is granted all of a
    preview's names at once, whatever follows the stack)."""
    star = glob.find("*")
    return glob if star < 0 else glob[: star + 1]


@dataclass(frozen=True)
class Names:
    """Every name and ARN of one deployment (a project, or one environment of it) in one
    account and region.

    Without an environment every name is today's (``{project}``, ``{project}-detect`` ...).
    With one, the project part becomes the *stack* ``{project}-{env}``
    (``trends-anomaly-staging-detect``). Since a name is ``stack`` + a fixed suffix (or a
    fixed-length hash), two environments' names never coincide and no anchored pattern of one
    matches the other's: ``pr-7`` never sees ``pr-70``'s models.

    ``env`` may also be a glob (ANY_ENV, ANY_PREVIEW): each name is then the IAM glob of that
    name in every such deployment, which the roles' policies grant (bootstrap/policies.py).
    """

    project: str
    account: str
    region: str
    env: str | None = None

    @property
    def stack(self) -> str:
        """The prefix of every name of this deployment."""
        return f"{self.project}-{self.env}" if self.env else self.project

    @property
    def is_preview(self) -> bool:
        """A pull request's preview (or the glob of every preview, ANY_PREVIEW)."""
        return is_preview(self.env) or self.env == ANY_PREVIEW

    def owns(self, tags: dict[str, str]) -> bool:
        """Tags of this deployment's: the project's, and in an environment that environment's
        (resources found by listing — an API, a distribution — are told apart by their tags)."""
        if tags.get("project") != self.project:
            return False
        return self.env is None or tags.get("environment") == self.env

    # --- the partition ----------------------------------------------------------------------
    @property
    def partition(self) -> str:
        found = partition_of(self.region)
        return found.name if found else "aws"

    @property
    def dns_suffix(self) -> str:
        found = partition_of(self.region)
        return found.dns_suffix if found else "amazonaws.com"

    def arn(
        self, service: str, resource: str, region: str | None = None, account: str | None = None
    ) -> str:
        """``arn:<partition>:<service>:<region>:<account>:<resource>`` (empty region/account
        for global services: pass "")."""
        region = self.region if region is None else region
        account = self.account if account is None else account
        return f"arn:{self.partition}:{service}:{region}:{account}:{resource}"

    def principal(self, service: str) -> str:
        return service_principal(service, self.partition)

    # --- names -----------------------------------------------------------------------------
    @property
    def ecr_repository(self) -> str:
        """The project's repository, shared by its environments (one image is built and
        promoted by digest); a preview owns its own (its role may push only there)."""
        return self.stack if self.is_preview else self.project

    def model(self, spec_hash: str) -> str:
        return f"{self.stack}-m-{spec_hash}"

    def endpoint_config(self, spec_hash: str) -> str:
        return f"{self.stack}-c-{spec_hash}"

    @property
    def model_pattern(self) -> re.Pattern[str]:
        return _hashed(self.model(""))

    @property
    def endpoint_config_pattern(self) -> re.Pattern[str]:
        return _hashed(self.endpoint_config(""))

    @property
    def endpoint(self) -> str:
        return self.stack

    @property
    def sagemaker_role(self) -> str:
        return f"{self.stack}-sagemaker"

    @property
    def lambda_role(self) -> str:
        return f"{self.stack}-lambda"

    @property
    def github_plan_role(self) -> str:
        return f"{self.project}-github-plan"

    @property
    def github_deploy_role(self) -> str:
        return f"{self.project}-github-deploy"

    @property
    def github_preview_role(self) -> str:
        return f"{self.project}-github-preview"

    @property
    def role_path(self) -> str:
        return f"/{self.project}/"

    @property
    def function(self) -> str:
        return f"{self.stack}-detect"

    @property
    def api(self) -> str:
        return self.stack

    @property
    def bucket(self) -> str:
        return f"{self.stack}-site-{self.account}-{self.region}"

    @property
    def oac(self) -> str:
        """The CloudFront origin access control's name (unique per account, at most 64)."""
        return f"{self.stack}-site-{self.region}"

    @property
    def distribution_comment(self) -> str:
        return f"{self.stack}: the web page (bucket {self.bucket})"

    @property
    def lambda_log_group(self) -> str:
        return f"{LAMBDA_LOG_PREFIX}{self.function}"

    @property
    def endpoint_log_group(self) -> str:
        return f"{ENDPOINT_LOG_PREFIX}{self.endpoint}"

    @property
    def api_log_group(self) -> str:
        """The HTTP API's access log. Under ``/aws/vendedlogs/``: API Gateway delivers there
        through CloudWatch Logs' log delivery, whose account-wide resource policy lists every
        destination group and is capped at 5120 characters; near the cap CloudWatch Logs lets
        ``/aws/vendedlogs/*`` in instead, so only groups named so keep working (every preview
        adds one)."""
        return f"{API_LOG_PREFIX}{self.stack}"

    @property
    def log_groups(self) -> tuple[str, str, str]:
        """Every log group of the stack: the function's, the endpoint's, the API's access log
        (the order the roles' policies name them in)."""
        return (self.lambda_log_group, self.endpoint_log_group, self.api_log_group)

    def variant_resource_id(self, variant: str) -> str:
        """A variant as Application Auto Scaling names it (its ResourceId)."""
        return f"endpoint/{self.endpoint}/variant/{variant}"

    @property
    def scaling_resource_id(self) -> str:
        return self.variant_resource_id(VARIANT)

    @property
    def scaling_alarms(self) -> str:
        """Glob of the target-tracking alarms Application Auto Scaling creates, in the
        caller's name, for the endpoint's variants (``TargetTracking-<ResourceId>-AlarmHigh-…``)."""
        return f"TargetTracking-{self.variant_resource_id('*')}"

    @property
    def scaling_policy(self) -> str:
        return f"{self.stack}-invocations"

    def permission_sid(self, route: str) -> str:
        """Statement id of the Lambda permission for one route ("POST /detect" → ...-detect)."""
        path = route.split(" ", 1)[1].strip("/").replace("/", "-") or "root"
        return f"{self.stack}-apigw-{path}"

    @property
    def permission_sid_prefix(self) -> str:
        return f"{self.stack}-apigw-"

    @property
    def preview_boundary(self) -> str:
        """The managed policy (made by bootstrap) that caps every preview's service roles."""
        return f"{self.project}-preview-boundary"

    @property
    def preview_boundary_arn(self) -> str:
        return self.arn("iam", f"policy{self.role_path}{self.preview_boundary}", "")

    @property
    def role_boundary(self) -> str:
        """The managed policy (made by bootstrap) that caps this stack's service roles: the
        single deployment's, or one environment's (never ``{project}-preview-boundary``: an
        environment named ``preview`` gets ``{project}-preview-role-boundary``)."""
        return f"{self.stack}-role-boundary"

    @property
    def role_boundary_arn(self) -> str:
        return self.arn("iam", f"policy{self.role_path}{self.role_boundary}", "")

    @property
    def service_boundary_arn(self) -> str:
        """The permissions boundary this stack's service roles carry: a preview's the
        previews' boundary, any other stack's its own (`role_boundary`)."""
        return self.preview_boundary_arn if self.is_preview else self.role_boundary_arn

    @property
    def inline_policy(self) -> str:
        return f"{self.project}-least-privilege"

    # --- ARNs and URLs -----------------------------------------------------------------------
    def role_arn(self, role: str, path: str | None = None) -> str:
        return self.arn("iam", f"role{self.role_path if path is None else path}{role}", "")

    @property
    def ecr_repository_arn(self) -> str:
        return self.arn("ecr", f"repository/{self.ecr_repository}")

    @property
    def ecr_registry(self) -> str:
        return f"{self.account}.dkr.ecr.{self.region}.{self.dns_suffix}"

    @property
    def endpoint_arn(self) -> str:
        return self.arn("sagemaker", f"endpoint/{self.endpoint}")

    def model_arn(self, spec_hash: str) -> str:
        return self.arn("sagemaker", f"model/{self.model(spec_hash)}")

    def endpoint_config_arn(self, spec_hash: str) -> str:
        return self.arn("sagemaker", f"endpoint-config/{self.endpoint_config(spec_hash)}")

    def alarm_arn(self, alarm: str) -> str:
        return self.arn("cloudwatch", f"alarm:{alarm}")

    def service_linked_role_arn(self, service: str, role: str) -> str:
        """A role AWS creates for one of its services (``role`` "*": any of that service's)."""
        return self.role_arn(role, f"/aws-service-role/{self.principal(service)}/")

    @property
    def function_arn(self) -> str:
        return self.arn("lambda", f"function:{self.function}")

    def log_group_arn(self, group: str) -> str:
        return self.arn("logs", f"log-group:{group}")

    def api_execute_arn(self, api_id: str, route: str) -> str:
        """What may invoke the function: this API, any stage, one route ("POST /detect")."""
        method, path = route.split(" ", 1)
        return self.arn("execute-api", f"{api_id}/*/{method}{path}")

    def apigateway_arn(self, path: str) -> str:
        """An API Gateway resource as IAM names it: its path (``/apis``, ``/tags/…``)."""
        return self.arn("apigateway", path, account="")

    @property
    def apis_arn(self) -> str:
        """The region's HTTP APIs (what CreateApi and GetApis name)."""
        return self.apigateway_arn("/apis")

    def api_arn(self, api_id: str) -> str:
        """The API as API Gateway's tagging calls name it."""
        return f"{self.apis_arn}/{api_id}"

    def api_url(self, api_id: str) -> str:
        return f"https://{api_id}.execute-api.{self.region}.{self.dns_suffix}"

    @property
    def bucket_arn(self) -> str:
        return self.arn("s3", self.bucket, "", "")

    @property
    def bucket_domain(self) -> str:
        """The bucket's regional REST endpoint: the only S3 origin OAC signs for."""
        return f"{self.bucket}.s3.{self.region}.{self.dns_suffix}"

    def distribution_arn(self, distribution_id: str) -> str:
        return self.arn("cloudfront", f"distribution/{distribution_id}", "")

    def oac_arn(self, oac_id: str) -> str:
        return self.arn("cloudfront", f"origin-access-control/{oac_id}", "")


def site_url(domain: str) -> str:
    """The page's address: HTTPS on the distribution's own domain (default certificate)."""
    return f"https://{domain}"


def ecr_repository_arn_of(image_uri: str) -> str | None:
    """ARN of the ECR repository an image URI points into (None when not ECR)."""
    m = re.fullmatch(
        r"(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/([^:@]+)(?:[:@].*)?", image_uri
    )
    if not m:
        return None
    account, region, _china, repo = m.groups()
    return Names("", account, region).arn("ecr", f"repository/{repo}")
