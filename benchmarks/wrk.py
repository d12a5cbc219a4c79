"""Loads a server with wrk (one thread, a Lua script per kind of request) and reads its figures."""

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua"
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass(frozen=True)
class Load:
    """What one wrk run measured."""

    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    # Answers other than 2xx/3xx, and connections that failed or timed out.
    errors: int
    runs: int | None  # engine runs completed (engine_run.lua only)
    output: str

    @property
    def runs_per_second(self) -> float | None:
        return None if self.runs is None else self.runs / self.seconds


def _ms(value: str, unit: str) -> float:
    return float(value) * UNITS_MS[unit]


def parse(output: str) -> Load:
    """wrk's report (run with --latency) as figures."""
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h)", output)
    percentiles = dict(
        (p, _ms(value, unit)) for p, value, unit in re.findall(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$",
                                                               output, re.MULTILINE)
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read \d+, write (\d+), timeout (\d+)", output)
    runs = re.search(r"^Runs: (\d+)$", output, re.MULTILINE)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return Load(
        requests=int(total.group(1)),
        seconds=_ms(total.group(2), total.group(3)) / 1000,
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=percentiles.get("50", float("nan")),
        p99_ms=percentiles.get("99", float("nan")),
        errors=errors,
        runs=int(runs.group(1)) if runs else None,
        output=output,
    )


def load(url: str, script: str, variables: dict[str, str], *, seconds: float, connections: int) -> Load:
    """Runs wrk against `url` (a server's base URL) with benchmarks/lua/`script`, which reads
    `variables` from its environment."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (make bench installs it)")
    command = ["wrk", "--threads", "1", "--connections", str(connections), "--duration", f"{seconds:g}s",
               "--timeout", "10s", "--latency", "--script", str(LUA / script), url]
    done = subprocess.run(command, env=dict(os.environ, **variables), capture_output=True, text=True,
                          timeout=seconds + 60)
    if done.returncode:
        raise SystemExit(f"wrk failed on {url}:\n{done.stdout}{done.stderr}")
    return parse(done.stdout)
