"""Deterministic names and ARNs: how every resource is found again without a state file."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

VARIANT = "main"
SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
# Regions whose S3 website endpoint uses a dash (s3-website-REGION) rather than a dot.
_DASH_WEBSITE_REGIONS = {
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
    "us-gov-west-1",
}


def content_hash(data: Any, length: int = 8) -> str:
    """sha256 of canonical JSON, truncated: equal specs give equal names on every machine."""
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:length]


@dataclass(frozen=True)
class Names:
    """Every name and ARN of one project in one account and region."""

    project: str
    account: str
    region: str

    # --- names -----------------------------------------------------------------------------
    @property
    def ecr_repository(self) -> str:
        return self.project

    def model(self, spec_hash: str) -> str:
        return f"{self.project}-m-{spec_hash}"

    def endpoint_config(self, spec_hash: str) -> str:
        return f"{self.project}-c-{spec_hash}"

    @property
    def model_pattern(self) -> re.Pattern[str]:
        return re.compile(rf"^{re.escape(self.project)}-m-[0-9a-f]{{8}}$")

    @property
    def endpoint_config_pattern(self) -> re.Pattern[str]:
        return re.compile(rf"^{re.escape(self.project)}-c-[0-9a-f]{{8}}$")

    @property
    def endpoint(self) -> str:
        return self.project

    @property
    def sagemaker_role(self) -> str:
        return f"{self.project}-sagemaker"

    @property
    def lambda_role(self) -> str:
        return f"{self.project}-lambda"

    @property
    def role_path(self) -> str:
        return f"/{self.project}/"

    @property
    def function(self) -> str:
        return f"{self.project}-detect"

    @property
    def api(self) -> str:
        return self.project

    @property
    def bucket(self) -> str:
        return f"{self.project}-site-{self.account}-{self.region}"

    @property
    def lambda_log_group(self) -> str:
        return f"/aws/lambda/{self.function}"

    @property
    def endpoint_log_group(self) -> str:
        return f"/aws/sagemaker/Endpoints/{self.endpoint}"

    @property
    def scaling_resource_id(self) -> str:
        return f"endpoint/{self.endpoint}/variant/{VARIANT}"

    @property
    def scaling_policy(self) -> str:
        return f"{self.project}-invocations"

    def permission_sid(self, route: str) -> str:
        """Statement id of the Lambda permission for one route ("POST /detect" → ...-detect)."""
        path = route.split(" ", 1)[1].strip("/").replace("/", "-") or "root"
        return f"{self.project}-apigw-{path}"

    @property
    def permission_sid_prefix(self) -> str:
        return f"{self.project}-apigw-"

    @property
    def inline_policy(self) -> str:
        return f"{self.project}-least-privilege"

    # --- ARNs and URLs -----------------------------------------------------------------------
    def role_arn(self, role: str) -> str:
        return f"arn:aws:iam::{self.account}:role{self.role_path}{role}"

    @property
    def ecr_repository_arn(self) -> str:
        return f"arn:aws:ecr:{self.region}:{self.account}:repository/{self.ecr_repository}"

    @property
    def ecr_registry(self) -> str:
        return f"{self.account}.dkr.ecr.{self.region}.amazonaws.com"

    @property
    def endpoint_arn(self) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:endpoint/{self.endpoint}"

    @property
    def function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{self.function}"

    def log_group_arn(self, group: str) -> str:
        return f"arn:aws:logs:{self.region}:{self.account}:log-group:{group}"

    def api_execute_arn(self, api_id: str, route: str) -> str:
        """What may invoke the function: this API, any stage, one route ("POST /detect")."""
        method, path = route.split(" ", 1)
        return f"arn:aws:execute-api:{self.region}:{self.account}:{api_id}/*/{method}{path}"

    def api_arn(self, api_id: str) -> str:
        """The API as API Gateway's tagging calls name it."""
        return f"arn:aws:apigateway:{self.region}::/apis/{api_id}"

    def api_url(self, api_id: str) -> str:
        return f"https://{api_id}.execute-api.{self.region}.amazonaws.com"

    @property
    def site_url(self) -> str:
        sep = "-" if self.region in _DASH_WEBSITE_REGIONS else "."
        return f"http://{self.bucket}.s3-website{sep}{self.region}.amazonaws.com"


def ecr_repository_arn_of(image_uri: str) -> str | None:
    """ARN of the ECR repository an image URI points into (None when not ECR)."""
    m = re.fullmatch(
        r"(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([^:@]+)(?:[:@].*)?", image_uri
    )
    if not m:
        return None
    account, region, repo = m.groups()
    return f"arn:aws:ecr:{region}:{account}:repository/{repo}"
