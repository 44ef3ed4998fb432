"""Replays for testers and demos: start a simulated scenario or a recorded stream.

`GET /api/v1/replays` lists the scenarios, the recordings in `<state_dir>/recordings/*.jsonl`
and the runs this API process started; `POST /api/v1/replays` starts one in a background
thread publishing to `settings.mqtt_url` (the ingester stores it like any rig traffic);
`GET /api/v1/replays/{id}` is one run's state. A scenario run first loads its generated site
plan, so its piles appear on the site map at their plan positions. Runs live in this process
only (a restart forgets them; the data they published stays). Engineer or admin.
"""

from __future__ import annotations

import logging
import math
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field, model_validator

from api.deps import Principal, SettingsDep, require_roles
from api.errors import AUTH_ERRORS, error_responses
from runtime.settings import Settings

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["replays"], responses=AUTH_ERRORS)
Runner = Annotated[Principal, Depends(require_roles("engineer"))]

RunState = Literal["running", "finished", "failed"]
MAX_RUNS_KEPT = 50
_REGISTRY_LOCK = threading.Lock()


class ReplayStart(BaseModel):
    scenario: str | None = Field(None, description="A scenario name from `GET /replays`")
    recording: str | None = Field(None, description="A recording file name from `GET /replays`")
    site: str = Field("DEMO", pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Scenario site id")
    rigs: int = Field(3, ge=1, le=50)
    seed: int = Field(0, ge=0)
    piles: int | None = Field(None, ge=1, le=5000, description="Scenario piles (default 2/rig)")
    speed: float = Field(10.0, gt=0, le=10000, description="Simulated seconds per real second")

    @model_validator(mode="after")
    def _one_source(self) -> ReplayStart:
        if (self.scenario is None) == (self.recording is None):
            raise ValueError("give exactly one of scenario or recording")
        return self


class ReplayOut(BaseModel):
    id: str
    kind: Literal["scenario", "recording"]
    name: str
    state: RunState
    started_by: str
    started_at: datetime
    finished_at: datetime | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    detail: str | None = None
    error: str | None = None


class ReplayCatalogue(BaseModel):
    scenarios: list[str]
    recordings: list[str]
    runs: list[ReplayOut]


@dataclass
class _Run:
    id: str
    kind: Literal["scenario", "recording"]
    name: str
    started_by: str
    params: dict[str, Any]
    state: RunState = "running"
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    detail: str | None = None
    error: str | None = None

    def out(self) -> ReplayOut:
        return ReplayOut(
            id=self.id,
            kind=self.kind,
            name=self.name,
            state=self.state,
            started_by=self.started_by,
            started_at=self.started_at,
            finished_at=self.finished_at,
            params=self.params,
            detail=self.detail,
            error=self.error,
        )


class _Registry:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: dict[str, _Run] = {}

    def add(self, run: _Run) -> None:
        with self.lock:
            self.runs[run.id] = run
            finished = [r for r in self.runs.values() if r.state != "running"]
            for old in finished[: max(0, len(self.runs) - MAX_RUNS_KEPT)]:
                del self.runs[old.id]

    def list(self) -> list[_Run]:
        with self.lock:
            return sorted(self.runs.values(), key=lambda r: r.started_at, reverse=True)


def _registry(request: Request) -> _Registry:
    state = request.app.state
    with _REGISTRY_LOCK:
        if not isinstance(getattr(state, "replays", None), _Registry):
            state.replays = _Registry()
    registry: _Registry = state.replays
    return registry


def recordings_dir(settings: Settings) -> Path:
    return Path(settings.state_dir) / "recordings"


def list_recordings(settings: Settings) -> list[str]:
    folder = recordings_dir(settings)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.glob("*.jsonl") if p.is_file())


def _scenarios() -> list[str]:
    from simulators.scenarios import SCENARIOS

    return list(SCENARIOS)


def _finish(run: _Run, detail: str | None = None, error: str | None = None) -> None:
    run.finished_at = datetime.now(UTC)
    run.detail = detail
    run.error = error
    run.state = "failed" if error else "finished"


def _run_scenario(run: _Run, body: ReplayStart, settings: Settings, broker: str) -> None:
    from simulators.runner import run_simulation
    from simulators.site import generate_plan

    try:
        count = body.piles if body.piles is not None else 2 * body.rigs
        plan = generate_plan(body.site, count, body.seed)
        if settings.database_url:
            from storage.db import connect
            from storage.plans import import_plan

            with connect(settings.database_url) as conn:
                import_plan(conn, body.site, list(plan))
        report = run_simulation(
            broker,
            body.site,
            body.rigs,
            str(body.scenario),
            body.seed,
            body.speed,
            plan=plan,
            protocol=settings.mqtt_protocol,
        )
        _finish(run, detail=report.summary())
    except Exception as exc:  # a run's failure is its state, never the API's
        log.exception("replay %s failed", run.id)
        _finish(run, error=f"{type(exc).__name__}: {exc}")


def _run_recording(run: _Run, path: Path, speed: float, settings: Settings, broker: str) -> None:
    from simulators.recording import replay

    try:
        report = replay(path, broker, speed=speed, protocol=settings.mqtt_protocol)
        _finish(
            run,
            detail=f"{report.messages} messages on {report.topics} topics in "
            f"{report.duration_s:.1f} s (recorded span {report.recorded_span_s:.1f} s)",
        )
    except Exception as exc:
        log.exception("replay %s failed", run.id)
        _finish(run, error=f"{type(exc).__name__}: {exc}")


@router.get("/replays", response_model=ReplayCatalogue)
def list_replays(request: Request, settings: SettingsDep, who: Runner) -> ReplayCatalogue:
    """Scenario names, recording files and the runs started by this API process."""
    return ReplayCatalogue(
        scenarios=_scenarios(),
        recordings=list_recordings(settings),
        runs=[r.out() for r in _registry(request).list()],
    )


@router.post(
    "/replays",
    response_model=ReplayOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(404, 409),
)
def start_replay(
    body: ReplayStart, request: Request, settings: SettingsDep, who: Runner
) -> ReplayOut:
    """Start a scenario (`scenario`, `site`, `rigs`, `seed`, `piles`, `speed`) or a recording
    (`recording`, `speed`) in the background; poll `GET /replays/{id}`."""
    broker = settings.mqtt_url
    if not broker:
        raise HTTPException(status.HTTP_409_CONFLICT, "no MQTT broker configured for the API")
    if not math.isfinite(body.speed):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "speed must be finite")
    run_id = uuid.uuid4().hex[:12]
    target: Any
    args: tuple[Any, ...]
    if body.scenario is not None:
        if body.scenario not in _scenarios():
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown scenario {body.scenario!r}")
        params: dict[str, Any] = body.model_dump(exclude={"recording"})
        run = _Run(run_id, "scenario", body.scenario, who.name, params)
        target, args = _run_scenario, (run, body, settings, broker)
    else:
        name = str(body.recording)
        if name not in list_recordings(settings):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown recording {name!r}")
        run = _Run(run_id, "recording", name, who.name, {"speed": body.speed})
        path = recordings_dir(settings) / name
        target, args = _run_recording, (run, path, body.speed, settings, broker)
    _registry(request).add(run)
    threading.Thread(target=target, args=args, name=f"replay-{run_id}", daemon=True).start()
    return run.out()


@router.get("/replays/{replay_id}", response_model=ReplayOut, responses=error_responses(404))
def replay_status(replay_id: str, request: Request, who: Runner) -> ReplayOut:
    for run in _registry(request).list():
        if run.id == replay_id:
            return run.out()
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no replay {replay_id!r}")
