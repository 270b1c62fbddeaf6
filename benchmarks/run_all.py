"""Run every benchmark script in turn (``make bench``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run each ``bench_*.py`` with this interpreter; return the number that failed."""
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.stem}", flush=True)
        failed += subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode != 0
    return failed


if __name__ == "__main__":
    sys.exit(main())
