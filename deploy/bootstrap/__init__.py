"""`python -m deploy bootstrap`: the GitHub OIDC provider and the workflows' two IAM roles.

policies.py (what the roles may do; pure) → fingerprint.py (each role's bootstrap-policy-sha256
tag) → apply.py (through the engine's IAM reconcile) or template.py (`--print`,
CloudFormation) ← cli.py (arguments, output). deploy/bootstrap_version.py: plan's check of the tag.
"""
