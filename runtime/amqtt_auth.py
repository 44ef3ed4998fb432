"""Authentication for the in-process amqtt broker of a local run.

amqtt's own anonymous plugin marks sessions anonymous, and amqtt keeps no queued messages for
anonymous sessions, so the ingester's persistent session would lose what arrives while it is
down. This plugin lets every local client in without marking it anonymous; the broker only
listens on 127.0.0.1 for the run.
"""

from __future__ import annotations

from typing import Any

from amqtt.plugins.base import BaseAuthPlugin


class LocalRunAuth(BaseAuthPlugin):  # type: ignore[misc]
    def __init__(self, context: Any) -> None:
        super().__init__(context)

    async def authenticate(self, *, session: Any) -> bool:
        return True
