"""GitHub's OIDC identity provider in the account: a resource module used by bootstrap only.

One per account (not per project): it is created when missing, and an existing one only gains
the `sts.amazonaws.com` audience when it lacks it; it is never deleted here, since other
repositories' roles may trust it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from deploy.aws import tag_list
from deploy.bootstrap.policies import (
    GITHUB_OIDC_HOST,
    GITHUB_OIDC_URL,
    GITHUB_THUMBPRINTS,
    OIDC_AUDIENCE,
    Target,
    tags,
)
from deploy.plan import Action, Call
from deploy.resources.base import PlanContext, ResourceType
from deploy.world import World

if TYPE_CHECKING:
    from deploy.aws import Aws


@dataclass(frozen=True)
class ProviderSpec:
    KIND: ClassVar[str] = "oidc_provider"
    name: str  # the issuer host
    arn: str = field(compare=False)
    url: str = GITHUB_OIDC_URL
    audience: str = OIDC_AUDIENCE
    thumbprints: tuple[str, ...] = GITHUB_THUMBPRINTS
    tags: dict[str, str] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SeenProvider:
    KIND: ClassVar[str] = "oidc_provider"
    name: str
    arn: str
    client_ids: tuple[str, ...]


def provider_spec(t: Target) -> ProviderSpec:
    return ProviderSpec(GITHUB_OIDC_HOST, t.provider_arn, tags=tags(t))


def observe_provider(aws: Aws) -> SeenProvider | None:
    listed = aws.read("iam", "ListOpenIDConnectProviders") or {}
    for entry in listed.get("OpenIDConnectProviderList", []):
        arn = entry["Arn"]
        if arn.endswith(f":oidc-provider/{GITHUB_OIDC_HOST}"):
            got = aws.read("iam", "GetOpenIDConnectProvider", OpenIDConnectProviderArn=arn)
            if got is not None:
                return SeenProvider(GITHUB_OIDC_HOST, arn, tuple(got.get("ClientIDList", [])))
    return None


def plan(ctx: PlanContext) -> list[Action]:
    out = []
    for spec in ctx.desired.of_kind("oidc_provider"):
        seen: SeenProvider | None = ctx.world.get("oidc_provider", spec.name)
        if seen is None:
            create = Call(
                "iam",
                "CreateOpenIDConnectProvider",
                {
                    "Url": spec.url,
                    "ClientIDList": [spec.audience],
                    "ThumbprintList": list(spec.thumbprints),
                    "Tags": tag_list(spec.tags or {}),
                },
            )
            out.append(Action("create", spec.KIND, spec.name, "does not exist", steps=(create,)))
        elif spec.audience not in seen.client_ids:
            add = Call(
                "iam",
                "AddClientIDToOpenIDConnectProvider",
                {"OpenIDConnectProviderArn": seen.arn, "ClientID": spec.audience},
            )
            out.append(
                Action(
                    "update", spec.KIND, spec.name, f"added audience {spec.audience}", steps=(add,)
                )
            )
        else:
            out.append(Action("noop", spec.KIND, spec.name, "exists"))
    return out


def _never(_world: World) -> list[Action]:
    return []  # shared by every repository of the account: not ours to delete


RESOURCE = ResourceType(kinds={"oidc_provider": ()}, plan=plan, destroy=_never)
