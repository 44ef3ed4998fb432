"""`GET /api/v1/me`: who the token belongs to (the dashboard shows it and hides what the role
may not do)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.auth import Role
from api.deps import Reader
from api.errors import AUTH_ERRORS

router = APIRouter(prefix="/api/v1", tags=["meta"], responses=AUTH_ERRORS)


class MeOut(BaseModel):
    name: str
    role: Role


@router.get("/me", response_model=MeOut)
def me(who: Reader) -> MeOut:
    return MeOut(name=who.name, role=who.role)
