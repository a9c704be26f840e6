"""``python -m lightnets_edu``: the ``lightnets-edu`` command."""

from .cli import main

raise SystemExit(main())
