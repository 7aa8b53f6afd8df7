"""The integration plan (``archplan plan``): model, builder, diagrams and renderers."""

from __future__ import annotations

from engine.plan.builder import build_plan
from engine.plan.model import PLAN_VERSION, Plan

__all__ = ["PLAN_VERSION", "Plan", "build_plan"]
