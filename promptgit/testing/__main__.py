"""`python -m promptgit.testing [--port N] [--latency S]`: run the stand-in until interrupted."""

from __future__ import annotations

import argparse
import sys
import time

from promptgit.testing.standin import StandIn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m promptgit.testing", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args(argv)
    with StandIn(latency=args.latency, host=args.host, port=args.port) as server:
        print(server.base_url, flush=True)  # the first line: where to point OPENAI_BASE_URL
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
