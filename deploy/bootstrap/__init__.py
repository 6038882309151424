"""`python -m deploy bootstrap`: the GitHub OIDC provider and the workflows' two IAM roles.

policies.py (what the roles may do; pure) → apply.py (through the engine's IAM reconcile) or
template.py (`--print`, CloudFormation) ← cli.py (arguments, output).
"""
