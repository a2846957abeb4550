"""Dry run: read the store's state for a feed, diff it against the feed, and show the plan."""

from bulkio.plan.diff import build_plan, file_sha256
from bulkio.plan.model import (
    PLAN_FORMAT,
    FieldChange,
    Plan,
    PlanItem,
    PlanRejection,
    TrashedSku,
)
from bulkio.plan.render import render_diff, render_summary
from bulkio.plan.state import chunk_skus, fetch_store_state, plan_fetch

__all__ = [
    "PLAN_FORMAT",
    "FieldChange",
    "Plan",
    "PlanItem",
    "PlanRejection",
    "TrashedSku",
    "build_plan",
    "chunk_skus",
    "fetch_store_state",
    "file_sha256",
    "plan_fetch",
    "render_diff",
    "render_summary",
]
