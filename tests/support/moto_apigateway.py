"""What API Gateway checks in an HTTP API stage's AccessLogSettings that moto 5.2.5 does not.

moto stores any AccessLogSettings on CreateStage (and its UpdateStage is ours, in
moto_server.py). API Gateway documents, and refuses with BadRequestException:

- ``DestinationArn``: "the ARN of the CloudWatch Logs log group", whose format "is
  ``arn:aws:logs:region:account-id:log-group:log-group-name``" ("Configure logging for HTTP
  APIs"): a log group's ARN, not the ``…:*`` form DescribeLogGroups' ``arn`` carries (a log
  group's name cannot hold ``:``; Terraform trims that suffix for the same reason).
- ``Format``: "A single line format … The format must include at least $context.requestId"
  (AWS::ApiGatewayV2::Stage AccessLogSettings). AWS's CDK also accepts
  ``$context.extendedRequestId`` there, as API Gateway's REST API page does; so do we.
- Both, to turn logging on ("This parameter is required to enable access logging").

The messages are ours (AWS's exact words are not documented); the status and code are AWS's.
"""

from __future__ import annotations

import re
from typing import Any

_PATCHED = "_trends_tests_access_log_rules"
# A log group's name: 1-512 of [.-_/#A-Za-z0-9] (CreateLogGroup), hence no ':' in it.
LOG_GROUP_ARN = re.compile(
    r"arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[.\-_/#A-Za-z0-9]{1,512}"
)
REQUEST_ID = re.compile(r"\$context\.(requestId|extendedRequestId)(?![A-Za-z0-9_])")


def access_log_problem(settings: dict[str, Any] | None) -> str | None:
    """Why API Gateway refuses these (JSON-cased) access log settings; None when it does not
    (no settings, or empty ones: logging off)."""
    if not settings:
        return None
    arn, fmt = settings.get("destinationArn"), settings.get("format")
    if not arn or not fmt:
        return "Access logging needs both a DestinationArn and a Format"
    if arn.endswith(":*"):
        return (
            f"Invalid DestinationArn {arn}: give the log group's ARN "
            "(arn:aws:logs:region:account-id:log-group:log-group-name), without ':*'"
        )
    if not LOG_GROUP_ARN.fullmatch(arn):
        return f"Invalid DestinationArn {arn}: not the ARN of a CloudWatch Logs log group"
    if "\n" in fmt or "\r" in fmt:
        return "The access log Format must be a single line"
    if not REQUEST_ID.search(fmt):
        return "The access log Format must include at least $context.requestId"
    return None


def check_access_log(settings: dict[str, Any] | None) -> None:
    """Raise API Gateway's BadRequestException when it would refuse ``settings``."""
    from moto.apigatewayv2.exceptions import BadRequestException

    problem = access_log_problem(settings)
    if problem:
        raise BadRequestException(problem)


def patch_apigateway() -> None:
    """Teach moto's CreateStage the access log rules (idempotent); our UpdateStage calls
    `check_access_log` itself."""
    from moto.apigatewayv2.models import ApiGatewayV2Backend

    if getattr(ApiGatewayV2Backend, _PATCHED, False):
        return
    create_stage = ApiGatewayV2Backend.create_stage

    def checked(self: Any, api_id: str, config: dict[str, Any]) -> Any:
        check_access_log(config.get("accessLogSettings"))
        return create_stage(self, api_id, config)

    ApiGatewayV2Backend.create_stage = checked
    setattr(ApiGatewayV2Backend, _PATCHED, True)
