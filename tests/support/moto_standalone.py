"""The patched moto server on its own, for running `python -m deploy …` against it by hand.

    .venv/bin/python -m tests.support.moto_standalone --port 5123
    # in another shell (fake credentials; every AWS call goes to the server):
    export AWS_ENDPOINT_URL=http://127.0.0.1:5123 AWS_ACCESS_KEY_ID=testing \\
           AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
    .venv/bin/python -m deploy plan --image 123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1

AWS's delays (IAM propagation, CloudFront deployment, invalidations) pass in real time here;
``--fast`` shortens them to a few seconds. Ctrl-C stops the server.
"""

from __future__ import annotations

import argparse
import signal
import threading

from tests.support import aws_clock
from tests.support.moto_server import patch_moto


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5123)
    parser.add_argument("--fast", action="store_true", help="delays of a few seconds")
    args = parser.parse_args(argv)
    if args.fast:
        aws_clock.set_delays(
            role_assume_s=3, role_policy_s=3, distribution_deploy_s=8, invalidation_s=4
        )
    from moto.server import ThreadedMotoServer

    patch_moto()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    print(f"patched moto server on http://127.0.0.1:{args.port} (delays: {aws_clock.DELAYS})")
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
