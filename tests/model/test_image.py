"""What only the image can show: what it holds, who it runs as, the memory it is given.

The HTTP contract itself runs against the container in test_contract_http.py and
test_server_behaviour.py (the ``container`` target).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from deploy.image import build_network
from devstack import owners, reaper
from devstack.model_container import ModelContainer, build_image, docker
from tests.model.conftest import Client
from tests.support.children import inner_pytest, outlived
from tests.support.model_image import built_image
from tests.support.model_server import start_model_container

pytestmark = pytest.mark.container

REQUIREMENTS = Path(__file__).resolve().parents[2] / "model" / "requirements.txt"
BASE_TOOLS = {"pip", "setuptools", "wheel"}  # the python base image's own


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    """name -> version of every requirement that applies on Linux."""
    pins = {}
    for line in REQUIREMENTS.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;]+)(\s*;\s*(.*?))?\s*\\?$", line)
        if m and "win32" not in (m.group(4) or ""):
            pins[_name(m.group(1))] = m.group(2)
    return pins


def _log_when(server, booted: int, timeout_s: float = 20.0) -> str:
    """The log once ``booted`` workers have said so (they boot after the first answers /ping)."""
    deadline = time.monotonic() + timeout_s
    log = server.log()
    while log.count("Booting worker") < booted and time.monotonic() < deadline:
        time.sleep(0.2)
        log = server.log()
    return log


def test_the_image_holds_exactly_the_pinned_requirements():
    image = built_image().tag
    listed = docker(
        "run",
        "--rm",
        "--network",
        "none",
        image,
        "python3",
        "-m",
        "pip",
        "list",
        "--format",
        "json",
        "--path",
        "/usr/local/lib/python3.11/site-packages",
        "--path",
        "/usr/local/lib/python3.11/dist-packages",
    ).stdout
    installed = {_name(p["name"]): p["version"] for p in json.loads(listed)}
    assert {k: v for k, v in installed.items() if k not in BASE_TOOLS} == _pins()
    check = docker("run", "--rm", "--network", "none", image, "python3", "-m", "pip", "check")
    assert "No broken requirements found" in check.stdout


def test_root_and_the_memory_limit_set_the_worker_count(tmp_path):
    """As SageMaker runs it: root (its hosting docs expect it), no worker count given, a
    memory limit. 700 MB holds one worker of the 300 MB budget besides the master."""
    cpus = len(os.sched_getaffinity(0))
    server = start_model_container(built_image().tag, tmp_path, workers=None, memory="700m")
    try:
        assert docker("exec", server.container.name, "id", "-u").stdout.strip() == "0"
        assert Client(server.port).request("GET", "/ping")[0] == 200
        time.sleep(2)  # time enough for a second worker to boot, were there one
        log = _log_when(server, 1)
    finally:
        server.stop()
    line = next(x for x in log.splitlines() if "workers: " in x)
    assert "memory 700 MB (from cgroup" in line, line
    if cpus >= 2:
        assert "workers: 1 (capped by memory" in line, line
    assert log.count("Booting worker") == 1, log


def test_without_a_limit_below_the_cpus_there_is_one_worker_per_cpu(tmp_path):
    cpus = len(os.sched_getaffinity(0))
    server = start_model_container(built_image().tag, tmp_path, workers=None, memory="2g")
    try:
        log = _log_when(server, min(cpus, 6))
    finally:
        server.stop()
    line = next(x for x in log.splitlines() if "workers: " in x)
    assert f"workers: {min(cpus, 6)} (" in line and "memory 2048 MB (from cgroup" in line, line
    assert log.count("Booting worker") == min(cpus, 6), log


def test_a_cpu_quota_sets_the_worker_count_as_the_cpus_it_allows(tmp_path):
    """`docker run --cpus 1` is a CPU quota: the container still sees every CPU of the
    machine. It started one worker per CPU it saw, and said "2 CPUs"; SageMaker's serverless
    endpoints get vCPUs in proportion to their memory and are best served by one worker
    ("Deploy models with Amazon SageMaker Serverless Inference", Container support)."""
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one CPU here: a quota of one changes nothing")
    server = start_model_container(built_image().tag, tmp_path, workers=None, memory="2g", cpus="1")
    try:
        log = _log_when(server, 1)
        time.sleep(2)  # time enough for a second worker to boot, were there one
        log = server.log()
    finally:
        server.stop()
    line = next(x for x in log.splitlines() if "workers: " in x)
    seen = len(os.sched_getaffinity(0))
    assert f"workers: 1 (one per CPU: 1 CPUs (CPU quota 1 of {seen} seen, cgroup" in line, line
    assert log.count("Booting worker") == 1, log


def test_the_image_does_not_start_without_what_the_server_imports(tmp_path):
    """The failure the bare process cannot show: an image without a module the gevent worker
    imports (gunicorn 27 needs `packaging`, which the dev venv has through pytest) dies
    before /ping, with the import error in its log."""
    broken = "trends-anomaly-model:test-no-packaging"
    dockerfile = f"FROM {built_image().tag}\nRUN python3 -m pip uninstall -y -q packaging\n"
    network = build_network()  # host where the engine has no bridge
    subprocess.run(
        ["docker", "build", *(["--network", network] if network else []), "-q", "-t", broken, "-"],
        input=dockerfile,
        text=True,
        capture_output=True,
        check=True,
    )
    try:
        with pytest.raises(RuntimeError, match="No module named 'packaging'"):
            start_model_container(broken, tmp_path, workers=1, timeout=30)
    finally:
        docker("rmi", "-f", broken, check=False)


# A model whose load takes long (a big model read at start), as numpy's and scipy's imports
# take the first second or two of every start: the server is not yet gunicorn's master loop.
SLOW_LOAD_APP = """
import time

print("model loading", flush=True)
end = time.monotonic() + 60
while time.monotonic() < end:  # busy, as an import is: no sleep for a signal to cut short
    pass
"""


def test_sigterm_while_the_server_starts_stops_it_at_once(tmp_path):
    """SageMaker stops a container with SIGTERM, and SIGKILL 30 s later; it may stop one that
    is still starting (an update rolled back, a scale-in). In a container the server is PID 1,
    and the kernel drops a signal PID 1 has no handler for: a SIGTERM that came while the app
    was loading (before gunicorn's master installs its handlers) was lost, and the container
    ran on until the SIGKILL, 30 s, exit 137."""
    (tmp_path / "slow_load.py").write_text(SLOW_LOAD_APP, encoding="utf-8")
    container = ModelContainer(
        built_image().tag,
        0,
        workers=1,
        model_dir=tmp_path,
        env={"MODEL_APP": "slow_load:app", "PYTHONPATH": "/opt/ml/model"},
    )
    container.run()
    try:
        deadline = time.monotonic() + 30
        while "model loading" not in container.logs() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "model loading" in container.logs(), container.logs()
    finally:
        stopped = container.stop(grace_s=30)
    assert stopped is not None
    assert stopped.seconds < 10, f"took {stopped.seconds:.1f} s: the SIGTERM was lost"
    assert stopped.exit_code == 0, stopped.log[-3000:]


def test_the_image_serves_as_a_user_without_roots_permissions(tmp_path):
    """A serverless endpoint may run the container without root's permissions (Troubleshooting,
    Serverless Inference, as below): the server must start and answer as another user, with
    nothing to write but /tmp (gunicorn's heartbeat files)."""
    tmp_path.chmod(0o755)  # pytest makes it 700: another user could not look inside
    container = ModelContainer(
        built_image().tag, 0, workers=1, model_dir=tmp_path, user="65534:65534"
    ).start(timeout_s=60)
    try:
        assert docker("exec", container.name, "id", "-u").stdout.strip() == "65534"
        client = Client(container.port)
        status, body = client.json(
            b"Week,x\n" + b"".join(f"2024-01-{d:02d},{d % 7}\n".encode() for d in range(1, 29))
        )
        assert status == 200, body
    finally:
        stopped = container.stop(grace_s=30)
    assert stopped is not None and stopped.exit_code == 0, stopped and stopped.log[-3000:]
    assert "Traceback" not in stopped.log and "Permission denied" not in stopped.log


def test_the_image_serves_with_a_read_only_root(tmp_path):
    """The image run with a read-only root and no tmpfs (`docker run --read-only`; ECS's
    readonlyRootFilesystem, Kubernetes' readOnlyRootFilesystem) as it runs on SageMaker.
    gunicorn makes each worker's heartbeat file in the temporary directory: with /tmp read-only
    the start was a traceback ("No usable temporary directory found"). It keeps them in
    /dev/shm, a tmpfs in every container, which gunicorn's docs advise anyway: on a
    disk-backed /tmp the heartbeat's write "may block a worker for arbitrary time"."""
    container = ModelContainer(
        built_image().tag, 0, workers=2, model_dir=tmp_path, read_only=True
    ).start(timeout_s=60)
    try:
        status, body = Client(container.port).json(
            b"Week,x\n" + b"".join(f"2024-01-{d:02d},{d % 7}\n".encode() for d in range(1, 29))
        )
        assert status == 200, body
    finally:
        stopped = container.stop(grace_s=30)
    assert stopped is not None and stopped.exit_code == 0, stopped and stopped.log[-3000:]
    assert "Traceback" not in stopped.log, stopped.log[-3000:]


def refused_start(
    model_dir: Path, *run_args: str, why: str, timeout_s: float = 60, name: str | None = None
) -> str:
    """The log of a container that must refuse to start (as user 65534, ``model_dir`` as
    /opt/ml/model, ``run_args`` to `docker run`; ``why``: what it must refuse). One that serves
    instead fails the test, and is removed: a timeout of the docker client left it running,
    holding its memory, after the test run; so did a killed test run, until a watcher removed
    it then (devstack/reaper.py, as for the other containers the tests start). ``name``: the
    container's (a new one by default)."""
    name = name or f"trends-anomaly-refused-{uuid.uuid4().hex[:10]}"
    args = ["--network", "none", "--user", "65534:65534", *owners.label_args(), *run_args]
    args += ["-v", f"{model_dir}:/opt/ml/model:ro"]
    # A killed test run runs no `finally`: the watcher removes the container then (reaper.py).
    watcher = reaper.guard_command(["docker", "rm", "-f", name])
    try:
        run = ["run", "--rm", "--name", name, *args, built_image().tag, "serve"]
        ran = docker(*run, check=False, timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        log = _text(exc.stdout) + _text(exc.stderr)
        pytest.fail(
            f"the server started and was still serving after {timeout_s:g} s instead of "
            f"refusing {why}: {log[-1500:]}"
        )
    finally:
        docker("rm", "-f", name, check=False)
        reaper.end(watcher)
    out = ran.stdout + ran.stderr
    assert ran.returncode != 0, out
    return out


def _text(out: bytes | str | None) -> str:
    return out.decode(errors="replace") if isinstance(out, bytes) else out or ""


# A refused_start whose container serves instead, as in a regression, in a pytest run that the
# test kills while it waits for the refusal.
TINY_REFUSED_START = """
import os
from pathlib import Path

from tests.model.test_image import refused_start


def test_waits_for_a_refusal_that_never_comes(tmp_path):
    tmp_path.chmod(0o755)  # readable by the server's user: it starts and serves
    Path(os.environ["PID_FILE"]).write_text(os.environ["NAME"])
    refused_start(tmp_path, why="nothing: it serves", timeout_s=600, name=os.environ["NAME"])
"""


def _exists(container: str) -> bool:
    listed = docker("ps", "-aq", "--filter", f"name=^{container}$", check=False)
    return bool(listed.stdout.strip())


def _serving(container: str) -> bool:
    logs = docker("logs", container, check=False)
    return "Listening at" in logs.stdout + logs.stderr


def test_a_killed_run_leaves_no_container_of_a_start_that_should_be_refused(tmp_path):
    """refused_start runs `docker run --rm` in the foreground: a killed pytest run (SIGKILL,
    no teardown) left the docker client attached and a container that serves instead of
    refusing running for good, holding its memory for the next run."""
    name = f"trends-anomaly-refused-{uuid.uuid4().hex[:10]}"
    try:
        with inner_pytest(tmp_path, TINY_REFUSED_START, NAME=name) as (run, said):
            assert said == name
            # serving, not refused and gone (--rm): else nothing would be left to look for
            assert not outlived(lambda: not _serving(name), poll_s=0.5), docker(
                "logs", name, check=False
            )
            run.kill()
            run.wait(timeout=60)
        left = outlived(lambda: _exists(name), poll_s=0.5)
    finally:
        docker("rm", "-f", name, check=False)  # whatever the assertion says
    assert not left, f"container {name} outlived the killed pytest run"


def test_no_folder_for_the_heartbeat_files_is_said_in_one_line(tmp_path):
    """A read-only root whose /dev/shm cannot be written either: the start stops with one
    line that says what to mount, not a traceback of tempfile's."""
    tmp_path.chmod(0o755)
    out = refused_start(
        tmp_path,
        "--read-only",
        "--mount",
        "type=tmpfs,destination=/dev/shm,tmpfs-mode=0555",
        why="a read-only root and /dev/shm",
    )
    assert "heartbeat files: /dev/shm, or /tmp" in out and "--tmpfs /tmp" in out, out
    assert "Traceback" not in out, out


def test_a_defaults_json_the_servers_user_cannot_read_is_said_so(tmp_path):
    """A serverless endpoint may run the container without root's permissions ("your
    container may not have permissions to write files", Troubleshooting, Serverless Inference:
    https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-troubleshooting.html).
    A defaults.json readable by its owner alone then stopped the start with "not valid JSON",
    a file whose JSON was fine."""
    (tmp_path / "defaults.json").write_text('{"method": "auto"}', encoding="utf-8")
    (tmp_path / "defaults.json").chmod(0o600)
    # The file readable by its owner alone; then the folder too (the user cannot tell whether
    # there is a defaults.json: that stopped the start with a traceback of pathlib's stat).
    for folder_mode in (0o755, 0o700):
        tmp_path.chmod(folder_mode)
        out = refused_start(
            tmp_path,
            why="/opt/ml/model/defaults.json (the Trends model's settings.py reads it; a model "
            "that reads no defaults.json drops this test, docs/swap-your-model.md)",
        )
        assert "/opt/ml/model/defaults.json: cannot be read" in out, out
        assert "Permission denied" in out and "not valid JSON" not in out, out
        assert "Traceback" not in out, out


def test_a_build_that_fails_says_why(tmp_path):
    """A fork's module with a syntax error stops the image's build at compileall. The error
    (`make up ARGS="--model container"`, the tests) quoted docker's stderr only: "The command
    ... compileall ... returned a non-zero code: 1", without the file, the line or the error,
    which the build's own output (stdout) held."""
    import shutil

    context = tmp_path / "model"
    shutil.copytree(REQUIREMENTS.parent, context, ignore=shutil.ignore_patterns("__pycache__"))
    (context / "serving" / "broken_by_test.py").write_text("def broken(:\n", encoding="utf-8")
    with pytest.raises(RuntimeError) as failed:
        build_image(
            f"trends-anomaly-model:broken-{uuid.uuid4().hex[:8]}", built_image().base, context
        )
    said = str(failed.value)
    assert "broken_by_test.py" in said and "SyntaxError" in said, said
    # The legacy builder ran the step in a container it kept after the failure (one more
    # exited container per failed build); BuildKit (buildx) keeps none and names none.
    for step in re.findall(r"Running in ([0-9a-f]{12})", said):
        assert not docker("ps", "-aq", "--filter", f"id={step}").stdout.strip(), step
