"""Alerts for supervisors (监理): rules, the engine turning findings into alerts, their
lifecycle, the change feed (SSE, webhooks) and scoring against scenario ground truth."""
