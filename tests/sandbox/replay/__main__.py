"""``python -m tests.sandbox.replay [N]``: replay the recordings and print the match rate, with the N most
frequent first differences (default 30)."""

from __future__ import annotations

import sys

from tests.sandbox.replay.runner import replay

if __name__ == "__main__":
    print(replay().summary(details=int(sys.argv[1]) if len(sys.argv) > 1 else 30))
