"""Everything the desired state needs besides config.yaml, all computed locally (no AWS).

The model image's URI (a content hash of the build context names its tag) and the docker
commands that would build and push it here, the Lambda zip and the built site's files. Read
once per plan, so the plan and the apply use the same bytes and commands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from deploy.config import Config, ConfigError
from deploy.image import ContextTooLarge, image_tag, image_uri, push_commands
from deploy.lambda_package import LambdaPackage, build_zip
from deploy.naming import Names
from deploy.site_manifest import SiteFile, scan


@dataclass(frozen=True)
class ImageInputs:
    """The model image's part: all `deploy image` reads (it builds nothing else)."""

    names: Names
    image_uri: str
    build_image: bool  # True: the image is ours to build and push (tag = content hash)
    build_context: Path
    push_commands: tuple[tuple[str, ...], ...]  # how this machine's docker builds and pushes


@dataclass(frozen=True)
class Inputs(ImageInputs):
    """Local inputs of one plan: the image's, the Lambda's zip and the built page's files."""

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


def source_problems(
    cfg: Config, root: Path, image: str | None = None, image_only: bool = False
) -> list[str]:
    """The directories config.yaml names that this plan reads and that are missing (or hold
    none of what they are for: no *.py, no index.html), by key:
    said before any AWS call (read later, the path alone would not say which key to fix).
    The model's build context only when the image is built here (no --image, no
    model.image); ``image_only`` (`deploy image`) the build context alone; destroy and status
    read none of them."""
    keys = []
    if not image_only:
        keys = [("api.lambda.source", cfg.api.lambda_.source), ("site.source", cfg.site.source)]
    if image is None and cfg.model.image is None:
        keys.insert(0, ("model.build_context", cfg.model.build_context))
    problems = []
    for dotted, written in keys:
        key = cfg.written_at(dotted)
        where = Path(written) if Path(written).is_absolute() else root / written
        relative = (
            "" if Path(written).is_absolute() else f" (relative to {root}, where config.yaml is)"
        )
        try:
            problem = _source_problem(dotted, where)
        except OSError as err:  # a name too long, a directory it may not enter
            problem = (f"cannot be looked up ({err.strerror or err})", "")
        if problem:
            what, fix = problem
            problems.append(f"{key}: {written!r} {what}{relative}{fix}")
    return problems


def _source_problem(dotted: str, where: Path) -> tuple[str, str] | None:
    """What is wrong with the directory ``where`` that key ``dotted`` names, and ``: what to
    do`` when there is more to say than its name (None: nothing)."""
    if not where.exists():
        return "does not exist", ""
    if not where.is_dir():
        return "is not a directory", ""
    if dotted in _HOLDS and not any(p.is_file() for p in where.glob(_HOLDS[dotted][0])):
        _, said, fix = _HOLDS[dotted]
        return f"has no {said}", f": {fix}"
    return None


def check_sources(
    cfg: Config, root: Path, image: str | None = None, image_only: bool = False
) -> None:
    """Raise ConfigError naming every missing directory (see source_problems)."""
    problems = source_problems(cfg, root, image, image_only)
    if problems:
        raise ConfigError("; ".join(problems))


def _path(root: Path, written: str) -> Path:
    return Path(written) if Path(written).is_absolute() else root / written


T = TypeVar("T")


def _reading(key: str, read: Callable[[], T]) -> T:
    """``read()`` of the directory config.yaml's ``key`` names; a file or directory in it the
    system refuses (a root-run build's 0600 file, an unreadable subdirectory) said by key and
    path, not as a traceback. The readers' own errors (no *.py ...) carry no file name."""
    try:
        return read()
    except OSError as err:
        if err.filename is None:
            raise
        raise ConfigError(
            f"{key}: cannot read {err.filename} ({err.strerror or err}): plan and apply read "
            "every file in it; make it readable to this user (or leave it out of the directory)"
        ) from None


def gather_image(cfg: Config, root: Path, names: Names, image: str | None = None) -> ImageInputs:
    """The image's inputs; ``image``: a prebuilt image URI (--image), else config or built."""
    context = _path(root, cfg.model.build_context)
    uri = image or cfg.model.image
    build = uri is None
    if uri is None:
        key = cfg.written_at("model.build_context")
        try:
            tag = _reading(key, lambda: image_tag(context))
        except ContextTooLarge as err:
            raise ConfigError(f"{key}: {err}") from None
        uri = image_uri(names, tag)
    commands = push_commands(uri, context) if build else []
    return ImageInputs(names, uri, build, context, tuple(tuple(c) for c in commands))


def gather(cfg: Config, root: Path, names: Names, image: str | None = None) -> Inputs:
    """Read the inputs: the image's (see gather_image), the Lambda's zip, the page's files."""
    lambda_source = _path(root, cfg.api.lambda_.source)
    site_source = _path(root, cfg.site.source)
    return Inputs(
        **vars(gather_image(cfg, root, names, image)),
        lambda_package=_reading(
            cfg.written_at("api.lambda.source"), lambda: build_zip(lambda_source)
        ),
        site_files=tuple(
            _reading(cfg.written_at("site.source"), lambda: scan(site_source, cfg.site.cache))
        ),
    )
