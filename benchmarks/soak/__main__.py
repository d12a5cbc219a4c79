"""`make soak` (or `python -m benchmarks.soak`): a soak of SOAK_SECONDS (default 300) on PostgreSQL;
CHAOS=1 adds the faults on a throwaway cluster. SOAK_ENGINES (8), SOAK_READERS (2) and
SOAK_WORKERS (gunicorn's workers, 4) size it; SOAK_WARM_UP (60) is the seconds of load before
the measured run (see run.py). Exits 1 when anything acknowledged is missing or
doubled, on a 5xx (a 503 is allowed only under chaos), or when a worker's memory grew over 10 %."""

import os
import sys

from benchmarks.soak.run import report, run


def _int(name: str, default: int) -> int:
    value = os.environ.get(name) or str(default)
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"{name} must be a positive whole number, not {value!r}")
    return int(value)


def main() -> int:
    chaos = os.environ.get("CHAOS", "").lower() in ("1", "true", "yes", "on")
    result = run(_int("SOAK_SECONDS", 300), chaos=chaos, engines=_int("SOAK_ENGINES", 8),
                 readers=_int("SOAK_READERS", 2), workers=_int("SOAK_WORKERS", 4), warm_up=_int("SOAK_WARM_UP", 60),
                 say=lambda line: print(line, flush=True))
    print(report(result), flush=True)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
