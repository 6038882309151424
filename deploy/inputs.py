"""Everything the desired state needs besides config.yaml, all computed locally (no AWS).

The model image's URI (a content hash of the build context names its tag) and the docker
commands that would build and push it here, the Lambda zip and the built site's files. Read
once per plan, so the plan and the apply use the same bytes and commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from deploy.config import Config
from deploy.image import image_tag, image_uri, push_commands
from deploy.lambda_package import LambdaPackage, build_zip
from deploy.naming import Names
from deploy.site_manifest import SiteFile, scan


@dataclass(frozen=True)
class Inputs:
    """Local inputs of one plan."""

    names: Names
    image_uri: str
    build_image: bool  # True: the image is ours to build and push (tag = content hash)
    build_context: Path
    push_commands: tuple[tuple[str, ...], ...]  # how this machine's docker builds and pushes
    lambda_package: LambdaPackage
    site_files: tuple[SiteFile, ...]


def gather(cfg: Config, root: Path, names: Names, image: str | None = None) -> Inputs:
    """Read the inputs; ``image``: a prebuilt image URI (--image), else config or built."""

    def path(p: str) -> Path:
        return Path(p) if Path(p).is_absolute() else root / p

    context = path(cfg.model.build_context)
    uri = image or cfg.model.image
    build = uri is None
    if uri is None:
        uri = image_uri(names, image_tag(context))
    commands = push_commands(uri, context) if build else []
    return Inputs(
        names=names,
        image_uri=uri,
        build_image=build,
        build_context=context,
        push_commands=tuple(tuple(c) for c in commands),
        lambda_package=build_zip(path(cfg.api.lambda_.source)),
        site_files=tuple(scan(path(cfg.site.source), cfg.site.cache)),
    )
