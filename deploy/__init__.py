"""Deploy engine: config.yaml → plan → apply against AWS (and the local stack in local*.py)."""
