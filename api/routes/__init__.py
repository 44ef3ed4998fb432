"""One router per area, each `APIRouter(prefix="/api/v1", tags=[...])`, included in create_app."""
