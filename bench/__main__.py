"""`python -m bench` runs every benchmark in sequence with a short default size;
`python -m bench NAME [ARGS...]` runs one (NAME: ingest, alerts, api, scenarios, analytics,
recompute, simulators, ledger_core, ledger_db) with its own full-size defaults unless ARGS
say otherwise.
"""

from __future__ import annotations

import importlib
import os
import sys
import time

from bench.common import ROOT, child_env, header, spawn

# name → (module, arguments for the short run of `python -m bench`)
BENCHES: dict[str, tuple[str, list[str]]] = {
    "ingest": ("bench.bench_ingest", ["--short"]),
    "alerts": ("bench.bench_alerts", ["--short"]),
    "api": ("bench.bench_api", ["--short"]),
    "scenarios": ("bench.bench_scenarios", ["--short"]),
    "analytics": ("bench.bench_analytics", []),
    "recompute": ("bench.bench_recompute", ["--piles", "500"]),
    "simulators": ("bench.bench_simulators", []),
    "ledger_core": ("bench.bench_ledger_core", []),
    "ledger_db": ("bench.bench_ledger_db", ["100000"]),
}
# Scripts that read their size from the environment rather than the command line.
SHORT_ENV: dict[str, dict[str, str]] = {"simulators": {"BENCH_SECONDS": "10"}}


def run_simulators(args: list[str]) -> int:
    """bench_simulators needs a broker: start mosquitto for it unless one is configured."""
    from bench.common import mosquitto

    env = child_env()
    if "PILEWATCH_MQTT_URL" in os.environ:
        return spawn(["-m", "bench.bench_simulators", *args], env=env).wait()
    with mosquitto() as url:
        env["PILEWATCH_MQTT_URL"] = url
        return spawn(["-m", "bench.bench_simulators", *args], env=env).wait()


def run(name: str, args: list[str], extra_env: dict[str, str] | None = None) -> int:
    module, _short = BENCHES[name]
    if extra_env:
        os.environ.update(extra_env)
    if name == "simulators":
        return run_simulators(args)
    if module.startswith("bench.bench_") and name in ("ingest", "alerts", "api", "scenarios"):
        mod = importlib.import_module(module)
        mod.main(args)
        return 0
    return spawn(["-m", module, *args], env=child_env()).wait()


def main() -> int:
    argv = sys.argv[1:]
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv:
        name = argv[0]
        if name not in BENCHES:
            print(f"unknown benchmark {name!r}; one of {', '.join(BENCHES)}", file=sys.stderr)
            return 2
        return run(name, argv[1:])
    failures = 0
    for name, (_module, short) in BENCHES.items():
        header(f"{name} (short)")
        t0 = time.monotonic()
        try:
            rc = run(name, short, SHORT_ENV.get(name))
        except Exception as exc:  # one failing benchmark must not hide the others
            print(f"{name} failed: {exc!r}")
            rc = 1
        failures += rc != 0
        print(f"[{name}: {time.monotonic() - t0:.0f} s, exit {rc}]", flush=True)
    _ = ROOT
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
