from __future__ import annotations

from promptgit.cli import main

raise SystemExit(main())
