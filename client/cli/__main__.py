"""`python -m client.cli`: the same as `modelgates-video`."""

from client.cli import main

raise SystemExit(main())
