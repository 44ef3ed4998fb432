"""Recorded piles: loading their telemetry, evaluating them live, storing the results."""
