"""The schema of a config file's ``[tool.archplan]`` table or ``archplan.toml`` (``engine.config.load_config``).

Apart from ``engine.config`` so that a run without a config file (most) never makes these pydantic models: 9 M
instructions of every check.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError


class ConfigFile(BaseModel):
    """The schema of the config table. Strict: unknown keys and wrong types are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=False, defer_build=True)

    design: list[StrictStr] | None = None
    """Design files or directories (relative to the config file) reviewed when a command names none."""
    disable: list[StrictStr] = Field(default_factory=list)
    """Rule ids that do not run for this project."""
    extend: list[StrictStr] = Field(default_factory=list)
    """Rule pack directories (relative to the config file) added to the built-in rules."""
    severity: dict[str, Literal["low", "medium", "high", "critical"]] = Field(default_factory=dict)
    """Rule id -> the base severity to use instead of the rule's likelihood x impact."""
    params: dict[str, Any] = Field(default_factory=dict)
    """``name = value`` (every rule declaring ``name``), ``"rule-id.name" = value``, or ``[params.rule-id]``.
    Values are checked by ``load_config`` (one clear message per bad value, not pydantic's union noise)."""
    fail_on: Literal["critical", "high", "medium", "low", "never"] | None = Field(default=None, alias="fail-on")
    """The default ``--fail-on`` threshold of ``archplan check``."""
    waivers: WaiverSettings | None = None
    """``[waivers]``: how far ahead a waiver may expire, and whether blanket waivers are allowed. Honoured only
    from a pinned policy (``check --policy-from REF``), so that a pull request cannot loosen them."""
    plan: PlanSettings | None = None
    """``[plan]``: the defaults of the plan's schedule (effort per kind of work item, people per team)."""


class WaiverSettings(BaseModel):
    """The ``[waivers]`` table."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=False, defer_build=True)

    max_days: int = Field(default=180, ge=1, le=3650, alias="max-days")
    """The latest a waiver may expire, in days from today."""
    allow_blanket: bool = Field(default=False, alias="allow-blanket")
    """Allow waivers whose rule and subject both match everything (``*`` / ``*``)."""


class PlanSettings(BaseModel):
    """The ``[plan]`` table."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=False, defer_build=True)

    effort: dict[str, Annotated[float, Field(gt=0, le=10000)]] = Field(default_factory=dict)
    """Person-days per kind of work item (``component``, ``mitigation``: instead of the defaults 5 and 2), or
    per mitigation id (``circuit-breaker``: instead of what its rules state). Keys are checked against the
    loaded rules."""
    team_size: dict[str, Annotated[int, Field(ge=1, le=10000)]] = Field(default_factory=dict, alias="team-size")
    """People per team working on the plan at once; ``default`` sets it for every team not named."""


__all__ = ["ConfigFile", "PlanSettings", "ValidationError", "WaiverSettings"]  # ValidationError: engine.config's,
# imported with the models only when a config file is read
