"""The one result every command returns: built once, rendered once as JSON by the CLI.

The exit code lives here and nowhere else; argument errors and unexpected failures are
reports too (`Report.failure`), so a script always reads the same shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.diagnosis import Diagnosis
from wizard.jsontypes import JsonObject
from wizard.vocab import Code, ExitCode

if TYPE_CHECKING:
    from wizard.changes import Plan
    from wizard.detection import Detection

SCHEMA = "flux-setup/1"


@dataclass
class Report:
    command: str
    exit_code: ExitCode = ExitCode.OK
    # The network step's findings: key, configured model, models, recommendation, verification.
    detection: Detection | None = None
    # Where the configured model comes from (environment, .env, config).
    sources: Mapping[str, str | None] | None = None
    # Diagnoses beyond the detection's (the plan's, the files').
    diagnoses: list[Diagnosis] = field(default_factory=list)
    plan: Plan | None = None
    checklist: Path | None = None
    # The findings the checklist items describe, when a change made them differ from `detection`.
    checklist_from: Detection | None = None
    error: tuple[str, str | None] | None = None
    # Fields of one command only (chosen, changeset, restored, last_check, ...).
    fields: JsonObject = field(default_factory=dict)
    # check --all: each project's exit code (what --fail-on weighs), beside its JSON.
    project_codes: list[ExitCode] | None = None
    # exec: CMD's own exit code, which is flux-setup's (any number, not one of ours).
    exit_status: int | None = None

    @classmethod
    def failure(
        cls,
        command: str,
        code: ExitCode,
        message: str,
        fix: str | None,
        diagnosis: Code | None = None,
    ) -> Report:
        diagnoses = [Diagnosis(diagnosis, message, fix or "")] if diagnosis else []
        return cls(command, code, error=(message, fix), diagnoses=diagnoses)

    def all_diagnoses(self) -> list[Diagnosis]:
        found = list(self.detection.diagnoses) if self.detection else []
        return found + [d for d in self.diagnoses if d not in found]

    def to_json(self) -> JsonObject:
        out: JsonObject = {
            "schema": SCHEMA,
            "command": self.command,
            "exit_code": int(self.exit_code),
        }
        if self.error is not None:
            out["error"] = {"message": self.error[0], "fix": self.error[1]}
        if self.detection is not None:
            out.update(self._detection_json(self.detection))
        out["diagnosis"] = [d.to_json() for d in self.all_diagnoses()]
        if self.plan is not None:
            out["changes"] = changes_json(self.plan)
        if self.checklist is not None:
            out["checklist"] = str(self.checklist)
        out.update(self.fields)
        return out

    def _detection_json(self, detection: Detection) -> JsonObject:
        from wizard import checklist  # the checklist module is only needed with findings

        data = detection.to_json()
        return {
            "key": data["key"],
            "configured": {**detection.configured_json(), "sources": dict(self.sources or {})},
            "models": data["models"],
            "recommended": data["recommended"],
            "fallback": data["fallback"],
            "verification": data["verification"],
            "ratelimits": data["ratelimits"],
            "changes": [],
            "checklist": None,
            "checklist_items": [
                item.to_json() for item in checklist.items(self.checklist_from or detection)
            ],
        }


def changes_json(plan: Plan) -> list[JsonObject]:
    return [
        {"path": plan.label(c), "action": str(c.action), "diff": c.diff(plan.label(c))}
        for c in plan.changes
    ]
