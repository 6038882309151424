"""`python -m deploy.bootstrap` (same as `python -m deploy bootstrap`)."""

from deploy.bootstrap.cli import main

raise SystemExit(main())
