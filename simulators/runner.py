"""Run a simulated site against a broker (or into memory) and report rate and lag.

One loop drives every rig: for each simulated second it asks each rig for its sample and
events, batches samples per rig (``batch_s`` seconds of samples per telemetry message, one
pile and one boot per message), applies the transport faults the samples are flagged with,
pumps the outboxes and measures the lag of the loop behind the simulated clock (how late,
in real seconds, the tick's messages were handed to the connections).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from simulators.publisher import MemorySink, MqttPublisher, OutboxSink, OutMsg, dumps
from simulators.rig_model import format_time
from simulators.rig_types import rig_type
from simulators.scenarios import (
    GroundTruth,
    build_scenario,
    malformed_payloads,
    write_ground_truth,
)
from simulators.site import (
    DEFAULT_START,
    Shift,
    SimClock,
    build_site,
    deal_piles,
    generate_plan,
    rig_ids,
)
from siteplan.csv_format import PlannedPile

MAX_PAYLOAD = 256 * 1024


@dataclass
class SimulationReport:
    site: str
    scenario: str
    seed: int
    rigs: int
    sim_seconds: float = 0.0
    real_seconds: float = 0.0
    messages_sent: int = 0  # every message handed to the broker connections
    telemetry_messages: int = 0
    samples_sent: int = 0
    events_sent: int = 0
    duplicates_sent: int = 0
    malformed_sent: int = 0
    piles_started: int = 0
    piles_completed: int = 0
    send_rate_msg_s: float = 0.0
    sample_rate_s: float = 0.0
    lag_p50_s: float = 0.0
    lag_p99_s: float = 0.0
    lag_max_s: float = 0.0
    unacked: int = 0
    ground_truth: list[GroundTruth] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"{self.rigs} rigs, {self.sim_seconds:.0f} sim s in {self.real_seconds:.1f} s: "
            f"{self.messages_sent} messages ({self.send_rate_msg_s:.0f}/s), "
            f"{self.samples_sent} samples ({self.sample_rate_s:.0f}/s), lag p50 "
            f"{self.lag_p50_s * 1000:.1f} ms p99 {self.lag_p99_s * 1000:.1f} ms max "
            f"{self.lag_max_s * 1000:.1f} ms, unacked {self.unacked}"
        )


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


@dataclass(slots=True)
class _RigState:
    samples: list[dict[str, object]] = field(default_factory=list)
    pile: str | None = None
    boot: str = ""
    flags: frozenset[str] = frozenset()


def run_simulation(
    broker_url: str | None,
    site: str,
    rigs: int | Sequence[str],
    scenario: str = "normal",
    seed: int = 0,
    speed: float | None = 1.0,
    duration_s: float | None = None,
    piles: int | None = None,
    plan: Sequence[PlannedPile] | None = None,
    *,
    rig_kind: str = "single",
    batch_s: float = 1.0,
    protocol: str = "5",
    connections: str = "auto",
    shared_connections: int = 4,
    start: datetime = DEFAULT_START,
    shift: Shift | None = None,
    sink: OutboxSink | None = None,
    stop: threading.Event | None = None,
    ground_truth_path: str | Path | None = None,
    backlog_order: str = "shuffled",
    final_status: bool = True,
    stagger_s: float = 120.0,
) -> SimulationReport:
    """Simulate ``rigs`` on ``site`` until ``duration_s`` simulated seconds, ``piles`` piles
    completed, the plan is done or ``stop`` is set. ``speed`` is simulated seconds per real
    second (None: as fast as possible). With ``broker_url`` None and no ``sink`` the messages
    go to a MemorySink. ``connections``: 'per_rig', 'shared' or 'auto' (per rig up to 20 rigs).
    """
    ids = rig_ids(rigs)
    rtype = rig_type(rig_kind)
    if plan is None:
        per_rig = 1 + math.ceil((duration_s or 0.0) / 3000.0)
        plan = generate_plan(site, piles if piles is not None else len(ids) * per_rig, seed)
    dealt = deal_piles(plan, ids)
    setup = build_scenario(scenario, site, dealt, rtype, seed)
    setup.backlog_order = backlog_order
    if ground_truth_path is not None:
        write_ground_truth(ground_truth_path, setup.ground_truth)
    sim = build_site(
        site, ids, dealt, setup.faults, seed, kind=rtype, shift=shift, stagger_s=stagger_s
    )
    if sink is None:
        if broker_url is None:
            sink = MemorySink(site, seed)
        else:
            mode = (
                connections
                if connections != "auto"
                else ("per_rig" if len(ids) <= 20 else "shared")
            )
            sink = MqttPublisher(
                broker_url,
                site,
                seed=seed,
                protocol=protocol,
                mode=mode,
                shared_connections=shared_connections,
            )
    will_rigs = setup.will_rigs
    for rig in ids:
        sink.add_rig(rig, will=rig in will_rigs)
    sink.start()
    report = SimulationReport(site, scenario, seed, len(ids), ground_truth=setup.ground_truth)
    batch_n = max(1, round(batch_s))
    states = {rig: _RigState() for rig in ids}
    clock = SimClock(start, speed)
    for rig in ids:
        status = {"v": 1, "online": True, "t": format_time(clock.sim_time(0)), "rig": rig}
        sink.send(rig, "status", dumps(status), retain=True)

    def emit(rig: str, st: _RigState) -> None:
        if not st.samples:
            return
        msg: dict[str, object] = {"v": 1, "rig": rig}
        if st.pile is not None:
            msg["pile"] = st.pile
        msg["boot"] = st.boot
        msg["samples"] = st.samples
        payload = dumps(msg)
        copies = 2 if "duplicate_delivery" in st.flags else 1
        for _ in range(copies):
            sink.send(rig, "telemetry", payload)
        report.telemetry_messages += copies
        report.duplicates_sent += copies - 1
        report.samples_sent += len(st.samples)
        st.samples = []

    lags: list[float] = []
    tick = 0
    t_real0 = time.monotonic()
    clock.begin()
    while True:
        if duration_s is not None and tick >= duration_s:
            break
        if piles is not None and sim.piles_completed >= piles:
            break
        if sim.done or (stop is not None and stop.is_set()):
            break
        due = clock.wait_for(tick)
        t = clock.sim_time(tick)
        for item in sim.tick(t):
            rig, out = item.rig, item.out
            st = states[rig]
            if out.flags != st.flags:
                emit(rig, st)
                _transition(
                    sink,
                    rig,
                    st.flags,
                    out.flags,
                    setup.backlog_order,
                    t,
                    report,
                    out.pile or "",
                    out.boot or st.boot,
                )
                st.flags = out.flags
            for sample in (out.turn_sample, out.sample):
                if sample is None:
                    continue
                if out.pile != st.pile or out.boot != st.boot:
                    emit(rig, st)
                st.pile, st.boot = out.pile, out.boot
                st.samples.append(sample)
                if len(st.samples) >= batch_n:
                    emit(rig, st)
            for ev in out.events:
                emit(rig, st)
                sink.send(rig, "event", dumps(ev))
                report.events_sent += 1
        sink.pump()
        lags.append(max(0.0, time.monotonic() - due))
        tick += 1
    for rig, st in states.items():
        emit(rig, st)
        if st.flags:
            _transition(
                sink,
                rig,
                st.flags,
                frozenset(),
                setup.backlog_order,
                clock.sim_time(tick),
                report,
                st.pile or "",
                st.boot,
            )
    if final_status:
        for rig in ids:
            status = {"v": 1, "online": False, "t": format_time(clock.sim_time(tick)), "rig": rig}
            sink.send(rig, "status", dumps(status), retain=True)
    sink.flush(timeout=60.0)
    report.real_seconds = time.monotonic() - t_real0
    report.sim_seconds = float(tick)
    report.messages_sent = sink.stats.transmitted
    report.unacked = sink.stats.transmitted - sink.stats.acked
    report.piles_started = sim.piles_started
    report.piles_completed = sim.piles_completed
    if report.real_seconds > 0:
        report.send_rate_msg_s = report.messages_sent / report.real_seconds
        report.sample_rate_s = report.samples_sent / report.real_seconds
    report.lag_p50_s = _percentile(lags, 0.50)
    report.lag_p99_s = _percentile(lags, 0.99)
    report.lag_max_s = max(lags, default=0.0)
    sink.close()
    return report


def _transition(
    sink: OutboxSink,
    rig: str,
    before: frozenset[str],
    after: frozenset[str],
    order: str,
    t: datetime,
    report: SimulationReport,
    pile: str,
    boot: str,
) -> None:
    """Act on transport-fault flags switching on or off for one rig."""
    started, ended = after - before, before - after
    if "link_outage" in started:
        sink.link_down(rig)
    if "rig_offline" in started:
        sink.go_offline(rig)
    if "malformed_messages" in started:
        for kind, payload, _reason in malformed_payloads(rig, pile, boot, format_time(t)):
            sink.send(rig, kind, payload)
            report.malformed_sent += 1
    if "link_outage" in ended:
        sink.link_up(rig, order)
    if "rig_offline" in ended:
        sink.come_online(rig, order)
        status = {"v": 1, "online": True, "t": format_time(t), "rig": rig}
        sink.send(rig, "status", dumps(status), retain=True)


def simulate_to_memory(
    site: str,
    rigs: int | Sequence[str],
    scenario: str = "normal",
    seed: int = 0,
    duration_s: float | None = None,
    piles: int | None = None,
    plan: Sequence[PlannedPile] | None = None,
    **kwargs: object,
) -> tuple[SimulationReport, list[OutMsg]]:
    """The same run without a broker, as fast as possible: the report and every message."""
    sink = MemorySink(site, seed)
    report = run_simulation(
        None,
        site,
        rigs,
        scenario,
        seed,
        None,
        duration_s,
        piles,
        plan,
        sink=sink,
        **kwargs,  # type: ignore[arg-type]
    )
    return report, sink.messages
