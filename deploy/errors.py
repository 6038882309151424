"""DeployError, apart from the AWS layer that raises most of them.

Why: the workflows' GitHub steps (.github/scripts/deploy_order.py and preview_decision.py,
through github_api.py) raise and catch it but call no AWS API; taken from aws.py, they
imported boto3 for it (0.4 s of CPU in each such step, most of their start-up). aws.py
re-exports it, so `from deploy.aws import DeployError` stays the same class.
"""

from __future__ import annotations


class DeployError(RuntimeError):
    """A failure with where, what and what to do; printed without a traceback."""
