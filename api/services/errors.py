"""What services raise; api.errors turns them into 404 / 409 / 422 JSON."""

from __future__ import annotations


class NotFoundError(LookupError):
    pass


class AmbiguousPileError(LookupError):
    def __init__(self, pile: str, sites: list[str]) -> None:
        self.pile = pile
        self.sites = sites
        super().__init__(
            f"pile {pile!r} exists on sites {', '.join(sites)}; pass ?site= to pick one"
        )


class InvalidInputError(ValueError):
    """A parameter that passed validation by type but not by meaning (a bad cursor)."""
