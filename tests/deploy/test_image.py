"""The model image: a content hash of the build context names the tag."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deploy.aws import DeployError
from deploy.image import (
    build_commands,
    context_hash,
    describe_build,
    image_tag,
    image_uri,
    push_commands,
    run_subprocess,
)
from deploy.naming import Names


def test_the_tag_changes_with_content_and_mode_not_with_caches(tmp_path: Path) -> None:
    (tmp_path / "serve").write_text("#!/bin/sh\n")
    first = image_tag(tmp_path)
    assert first.startswith("src-") and len(first) == 16
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"1")
    (tmp_path / ".hidden").write_text("x")
    assert image_tag(tmp_path) == first
    os.chmod(tmp_path / "serve", 0o755)
    assert image_tag(tmp_path) != first
    with pytest.raises(FileNotFoundError, match=r"model\.build_context"):
        context_hash(tmp_path / "missing")


def test_uri_and_the_commands_the_plan_shows(monkeypatch) -> None:
    from deploy import image

    uri = image_uri(Names("p-x", "123456789012", "eu-west-1"), "src-1")
    assert uri == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/p-x:src-1"
    legacy = build_commands(uri, "model", buildx=False)
    assert describe_build(legacy) == (
        f"docker login (ECR token); docker build --force-rm --platform linux/amd64 -t {uri} model; "
        f"docker push {uri}"
    )
    # What this machine's docker has decides the commands, at plan time.
    monkeypatch.setattr(image, "has_buildx", lambda: True)
    monkeypatch.setattr(image, "build_network", lambda: "host")
    (buildx,) = push_commands(uri, "model")
    assert buildx[:3] == ["docker", "buildx", "build"] and "--network" in buildx


def test_subprocess_failures_say_what_failed() -> None:
    lines: list[str] = []
    run_subprocess(["true"], lines.append)
    assert lines == ["    $ true"]
    with pytest.raises(DeployError, match=r"`sh -c echo boom >&2; exit 3 ...` failed \(3\): boom"):
        run_subprocess(["sh", "-c", "echo boom >&2; exit 3", "x"], lines.append)
    with pytest.raises(DeployError, match="building the model image needs Docker"):
        run_subprocess(["no-such-docker-here"], lines.append)


def test_a_failure_quotes_what_the_command_wrote_to_stdout_too() -> None:
    """docker's legacy builder writes a step's output (compileall's SyntaxError, pip's error)
    to stdout, and only "The command ... returned a non-zero code: 1" to stderr."""
    # printf puts the line together: the error quotes the command, which must not hold it
    step = 'printf "Syntax%s\\n" "Error (app.py, line 1)"; echo returned 1 >&2; exit 1'
    with pytest.raises(DeployError) as failed:
        run_subprocess(["sh", "-c", step, "x"], [].append)
    assert "SyntaxError (app.py, line 1)" in str(failed.value), failed.value
    assert "returned 1" in str(failed.value)


def test_the_tag_covers_exactly_what_docker_sends(tmp_path: Path) -> None:
    from deploy.image import context_hash, dockerignore

    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "app.py").write_text("x = 1\n")
    (tmp_path / ".dockerignore").write_text(
        "# docs are not in the image\nREADME.md\n**/*.md\n!KEEP.md\nnotes/\n"
    )
    before = context_hash(tmp_path)
    (tmp_path / "README.md").write_text("a doc edit\n")
    (tmp_path / "pkg" / "NOTES.md").write_text("more docs\n")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("x\n")
    assert context_hash(tmp_path) == before  # nothing that goes into the image changed
    (tmp_path / "KEEP.md").write_text("re-included\n")
    assert context_hash(tmp_path) != before
    ignored = dockerignore(tmp_path)
    assert ignored("README.md") and ignored("pkg/NOTES.md") and ignored("notes/a.txt")
    assert not ignored("KEEP.md") and not ignored("pkg/app.py")


def test_the_models_readme_is_not_in_the_tag() -> None:
    from deploy.image import dockerignore

    model = Path(__file__).resolve().parents[2] / "model"
    ignored = dockerignore(model)
    assert ignored("README.md") and ignored("trends_anomaly/__pycache__/x.pyc")
    assert not ignored("Dockerfile") and not ignored("trends_anomaly/app.py")


def test_editing_the_model_smoke_test_leaves_the_image_tag_unchanged(tmp_path: Path) -> None:
    """model/smoke.py (what `deploy smoke` posts and how it checks the answer) is not in the
    image: a fork editing it rolls no stack's endpoint. The model's real context, copied."""
    import shutil

    model = Path(__file__).resolve().parents[2] / "model"
    context = tmp_path / "model"
    shutil.copytree(model, context, ignore=shutil.ignore_patterns("__pycache__"))
    before = image_tag(context)
    smoke = context / "smoke.py"
    smoke.write_text(smoke.read_text() + "\n# another model's smoke request and check\n")
    assert image_tag(context) == before
    smoke.unlink()
    assert image_tag(context) == before
    (context / "gunicorn_conf.py").write_text("# a change that is in the image\n")
    assert image_tag(context) != before


def _tree(root: Path) -> Path:
    """Files of every kind context_hash weighs or leaves out, links included."""
    files = {
        "Dockerfile": "FROM x\n",
        "a.txt": "a",
        "a/z": "z",
        "a/b/c.py": "c",
        ".hidden": "h",
        ".git/obj": "o",
        "node_modules/m.js": "m",
        "x.pyc": "p",
        "serve": "#!/bin/sh\n",
        "docs/README.md": "r",
        ".dockerignore": "docs\n",
        "B": "upper",
    }
    for rel, body in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(body)
    os.chmod(root / "serve", 0o755)
    os.symlink("a.txt", root / "link.txt")
    os.symlink("a", root / "linkdir")
    os.symlink("gone", root / "broken")
    return root


def test_the_hash_of_a_context_is_what_it_was(tmp_path: Path) -> None:
    """The tag names every image deploy built: the same files must give the same hash, or
    every deployment would rebuild and roll out an unchanged model (value of the hash before
    the walk was bounded)."""
    assert context_hash(_tree(tmp_path)) == "0504718805c3"


@pytest.mark.parametrize("bound", ["MAX_CONTEXT_FILES", "MAX_CONTEXT_BYTES"])
def test_a_context_past_any_models_size_stops_the_hash_with_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bound: str
) -> None:
    """`model.build_context: /` hashed every file of the disk (hours, and /proc), and docker
    would then send it all to the builder: past a bound no model's sources come near, the
    walk stops with the count and what to do. What .dockerignore leaves out does not count."""
    from deploy import image

    _tree(tmp_path)
    monkeypatch.setattr(image, bound, 4 if bound == "MAX_CONTEXT_FILES" else 12)
    with pytest.raises(image.ContextTooLarge) as err:
        context_hash(tmp_path)
    said = "more than 4 files" if bound == "MAX_CONTEXT_FILES" else "more than 12 bytes"
    assert said in str(err.value) and ".dockerignore" in str(err.value), err.value
    # exactly what goes in: 7 files (Dockerfile, B, a.txt, a/z, a/b/c.py, serve, link.txt)
    monkeypatch.setattr(image, bound, 7 if bound == "MAX_CONTEXT_FILES" else 26)
    (tmp_path / ".dockerignore").write_text("docs\nbig\n")
    (tmp_path / "big").mkdir()
    for i in range(20):
        (tmp_path / "big" / f"{i}.bin").write_bytes(b"x" * 100)
    assert context_hash(tmp_path) == "0504718805c3"


@pytest.mark.parametrize("bound", ["MAX_CONTEXT_FILES", "MAX_CONTEXT_BYTES"])
def test_a_context_past_any_models_size_is_too_large_whatever_it_cannot_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bound: str
) -> None:
    """`model.build_context: /` stopped at /proc/1/cwd with "cannot read /proc/1/cwd
    (Permission denied)", which asks the user to make /proc readable: an entry the system
    refuses stops the walk only when what it found is within the bounds. The refusal is
    simulated (a link like /proc/1/cwd, refused to any user, met before the other files:
    os.walk lists a directory's files before it enters its subdirectories)."""
    from deploy import image

    (tmp_path / "Dockerfile").write_text("FROM x\n")
    os.symlink("elsewhere", tmp_path / "cwd")  # os.walk lists it among the files
    (tmp_path / "big").mkdir()
    for i in range(8):
        (tmp_path / "big" / f"{i}.bin").write_bytes(b"x" * 100)
    stat = Path.stat

    def refuse(self: Path, **kwargs):
        if self == tmp_path / "cwd":
            raise PermissionError(13, "Permission denied", str(self))
        return stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", refuse)
    monkeypatch.setattr(image, bound, 4 if bound == "MAX_CONTEXT_FILES" else 500)
    with pytest.raises(image.ContextTooLarge):
        context_hash(tmp_path)
    monkeypatch.setattr(image, bound, 9 if bound == "MAX_CONTEXT_FILES" else 807)
    with pytest.raises(PermissionError) as err:  # within the bounds, it is what stops it
        context_hash(tmp_path)
    assert err.value.filename == str(tmp_path / "cwd"), err.value


def test_an_ignored_entry_the_system_refuses_does_not_stop_the_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Docker leaves out what .dockerignore names without reading it: an ignored entry the
    system refuses (a root-owned socket, a link like /proc/1/cwd) stopped plan with
    PermissionError, as its is_file() ran before the .dockerignore check. The refusal is
    simulated (tests run as root)."""
    _tree(tmp_path)
    (tmp_path / "docs" / "refused").write_text("never read")
    stat = Path.stat

    def refuse(self: Path, **kwargs):
        if self.name == "refused":
            raise PermissionError(13, "Permission denied", str(self))
        return stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", refuse)
    assert context_hash(tmp_path) == "0504718805c3"  # docs/ is ignored: the same files
    (tmp_path / "refused").write_text("not ignored")
    with pytest.raises(PermissionError) as err:  # what Docker sends is still read
        context_hash(tmp_path)
    assert err.value.filename == str(tmp_path / "refused"), err.value


def test_a_directory_the_walk_cannot_list_stops_the_hash_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """os.walk skips a directory it cannot list unless told: its files were left out of the
    hash in silence (and Docker would fail on it later). It stops the hash as an unreadable
    file does, named; one .dockerignore leaves out does not. The refusal is simulated (tests
    run as root)."""
    _tree(tmp_path)
    scandir = os.scandir

    def refuse(path="."):
        if Path(path).name in ("b", "docs"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    with pytest.raises(PermissionError) as err:
        context_hash(tmp_path)
    assert err.value.filename == str(tmp_path / "a" / "b"), err.value
    (tmp_path / ".dockerignore").write_text("docs\na/b\n")
    context_hash(tmp_path)  # both left out by .dockerignore: nothing to read in them


def test_a_context_past_the_bytes_bound_says_it_in_gib(tmp_path: Path) -> None:
    """The message said "more than 21474836480 bytes", which no one reads at a glance. A
    sparse file takes no disk: its size is what the walk adds up, before reading it."""
    from deploy import image

    (tmp_path / "Dockerfile").write_text("FROM x\n")
    with (tmp_path / "weights.bin").open("wb") as f:
        f.truncate(image.MAX_CONTEXT_BYTES + 1)
    with pytest.raises(image.ContextTooLarge) as err:
        context_hash(tmp_path)
    assert f"{tmp_path} holds more than 20 GiB that would go into the image" in str(err.value)


@pytest.mark.parametrize(
    ("n", "said"),
    [
        *((0, "0 bytes"), (12, "12 bytes"), (1023, "1023 bytes"), (1024, "1 KiB")),
        *((1536, "1.5 KiB"), (100 * 2**20, "100 MiB"), (20 * 2**30, "20 GiB")),
        (2**40 + 2**39, "1.5 TiB"),
    ],
)
def test_binary_size_says_a_size_as_people_read_it(n: int, said: str) -> None:
    from deploy.image import binary_size

    assert binary_size(n) == said
