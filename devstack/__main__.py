"""`python -m devstack` (what `make up` runs)."""

from devstack.cli import main

raise SystemExit(main())
