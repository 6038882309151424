"""DeployError lives apart from the AWS layer: the workflows' GitHub steps raise and catch it
without importing boto3."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from deploy import aws, errors

ROOT = Path(__file__).resolve().parents[2]


def test_the_aws_layer_raises_the_same_class() -> None:
    assert aws.DeployError is errors.DeployError
    assert issubclass(aws.Interrupted, errors.DeployError)


def test_the_github_steps_import_no_aws_sdk() -> None:
    """deploy.yml's order check and preview.yml's decision (.github/scripts, imported as the
    steps run them) paid for boto3's import (0.4 s of CPU each) for an exception class and a
    label; they call GitHub's API only. Nor botocore: the decision and pr.yml's plan comment
    paid 0.2 s of their 0.3 s of CPU for deploy.naming's botocore.session, which only config
    validation uses."""
    code = (
        "import sys; sys.path.insert(0, '.github/scripts'); "
        "import deploy_order, preview_decision, plan_comment, preview_comment; "
        "print(sorted({'boto3', 's3transfer', 'botocore'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "[]"
