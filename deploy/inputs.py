"""Everything the desired state needs besides config.yaml, all computed locally (no AWS).

The model image's URI (a content hash of the build context names its tag) and the docker
commands that would build and push it here, the Lambda zip and the built site's files. Read
once per plan, so the plan and the apply use the same bytes and commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from deploy.config import Config, ConfigError
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


# What a directory must hold to be what its key says, read later by lambda_package.build_zip
# and site_manifest.scan, whose errors name the path alone: (glob, said as, what to do).
_HOLDS = {
    "api.lambda.source": (
        "*.py",
        "*.py file to package",
        "point it at the Lambda's sources (lambda/, with handler.py directly in it)",
    ),
    "site.source": (
        "index.html",
        "index.html",
        "point it at the built page (site/dist) and build it first (make site)",
    ),
}


def source_problems(cfg: Config, root: Path, image: str | None = None) -> list[str]:
    """The directories config.yaml names that this plan reads and that are missing (or hold
    none of what they are for: no *.py, no index.html), by key:
    said before any AWS call (read later, the path alone would not say which key to fix).
    The model's build context only when the image is built here (no --image, no
    model.image); destroy and status read none of them."""
    keys = [("api.lambda.source", cfg.api.lambda_.source), ("site.source", cfg.site.source)]
    if image is None and cfg.model.image is None:
        keys.insert(0, ("model.build_context", cfg.model.build_context))
    problems = []
    for key, written in keys:
        where = Path(written) if Path(written).is_absolute() else root / written
        relative = (
            "" if Path(written).is_absolute() else f" (relative to {root}, where config.yaml is)"
        )
        if not where.exists():
            problems.append(f"{key}: {written!r} does not exist{relative}")
        elif not where.is_dir():
            problems.append(f"{key}: {written!r} is not a directory{relative}")
        elif key in _HOLDS and not any(p.is_file() for p in where.glob(_HOLDS[key][0])):
            _, said, fix = _HOLDS[key]
            problems.append(f"{key}: {written!r} has no {said}{relative}: {fix}")
    return problems


def check_sources(cfg: Config, root: Path, image: str | None = None) -> None:
    """Raise ConfigError naming every missing directory (see source_problems)."""
    problems = source_problems(cfg, root, image)
    if problems:
        raise ConfigError("; ".join(problems))


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
