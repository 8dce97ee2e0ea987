"""`flux-setup export renovate|catalog`: what this key proved, for other tools. `renovate`: the
custom datasource Renovate reads (the callable models, each line's best on top); `catalog`:
the snapshot a repository commits for `check --offline` where no state home has one. From a
check made now, or with --offline from the saved catalogue (its age said). The target is
checked before any network step; the file is written atomically at the end."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from wizard import memory
from wizard.catalog import Catalog, Model
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode, WizardError
from wizard.export import renovate, snapshot
from wizard.export.target import check_export_target, write_export
from wizard.flow.key import found_key, obtain_key, stdin_key
from wizard.flow.network import run_detection
from wizard.flow.prepare import Prepared, preferred_lines, prepare
from wizard.flow.saved import age_of, age_words, saved_record
from wizard.flow.session import Context
from wizard.jsontypes import JsonObject
from wizard.report import Report

# Renovate's datasource, unless --out says otherwise (beside the snapshot, inside the project:
# Renovate reads a `file://` datasource only from inside the repository it runs in).
RENOVATE_DEFAULT = Path(".flux-setup") / "renovate-datasource.json"


@dataclass
class Source:
    """The catalogue an export is made from: a check now, or the one saved."""

    models: list[Model]
    checked_at: str
    saved: bool
    age_days: int | None = None
    check: JsonObject | None = None  # --offline: the saved check it came from
    diagnoses: list[Diagnosis] = field(default_factory=list)  # shown, and in --json


def export(ctx: Context) -> Report:
    o = ctx.options
    default = RENOVATE_DEFAULT if o.export.export_kind == "renovate" else snapshot.DEFAULT_PATH
    named = (o.files.env_file, o.files.config, o.files.checklist)
    target = check_export_target(
        o.export.out or o.files.project / default,
        project=o.files.project,
        force=o.writing.force,
        kind=o.export.export_kind,
        named=named,
    )
    prepared = prepare(ctx)
    prefer = preferred_lines(ctx, prepared.files)
    source = _saved(ctx, prepared) if o.scope.offline else _checked(ctx, prepared, prefer)
    if o.export.export_kind == "renovate":
        found = renovate.offer(Catalog(source.models), prefer)
        document = renovate.datasource(found, source.checked_at)
        fields = _renovate_fields(found)
    else:
        document = snapshot.snapshot(source.models, source.checked_at)
        fields = {"models": len(source.models)}
    # checked again: a file someone put there during the check is not replaced either
    check_export_target(
        target,
        project=o.files.project,
        force=o.writing.force,
        kind=o.export.export_kind,
        named=named,
    )
    write_export(target, json.dumps(document, indent=2) + "\n")
    fields.update(
        kind=o.export.export_kind,
        path=str(target),
        checked_at=source.checked_at,
        source="saved" if source.saved else "check",
        age_days=source.age_days,
        saved_check=source.check,
    )
    ctx.ui.diagnoses(source.diagnoses)  # the one list: said here, and in --json
    _tell(ctx, fields)
    report = Report(o.command, ExitCode.OK, diagnoses=source.diagnoses, sources=prepared.sources)
    report.fields["export"] = fields
    return report


def _checked(ctx: Context, prepared: Prepared, prefer: tuple[str, ...]) -> Source:
    """A check now: the preferred order walked, and each other line walked alone, so that every
    line's best is proven by the walk's own rules. --max-verify is per line here (the walk
    spends what it is given on the first line's models, whose refusals are free)."""
    key = obtain_key(ctx, prepared.files, allow_prompt=False)
    if ctx.options.export.export_kind == "catalog":
        # a snapshot holds lifecycles and dates, not access: the listing alone, nothing billed
        ctx.ui.say("Listing the models (a snapshot holds no proof of access: no billed call).")
        detection = run_detection(ctx, key, None, prefer, verify=False, choose=_nothing)
    else:
        also = [(line,) for line in prefer[1:]]
        per_line = ctx.options.replaced(max_verify=ctx.options.api.max_verify * len(prefer))
        detection = run_detection(
            replace(ctx, options=per_line), key, None, prefer, also_prefer=also
        )
    failed = detection.failure_exit_code()
    if failed is not None or not detection.listed:
        ctx.ui.diagnoses(detection.diagnoses)
        first = detection.diagnoses[0] if detection.diagnoses else None
        raise WizardError(
            "the check could not list the models, so there is nothing proven to export; "
            "nothing was written.",
            fix=first.next_step if first else "Rerun when the API answers.",
            code=failed or ExitCode.NETWORK,
            diagnosis=first.code if first else None,
        )
    if detection.verify and detection.models:
        memory.save_proofs(ctx.store, ctx.options.files.project, detection)  # for --offline later
    return Source(
        list(detection.models),
        detection.checked_at,
        saved=False,
        age_days=0,
        diagnoses=[d for d in detection.diagnoses if _exports(d)],
    )


def _exports(diagnosis: Diagnosis) -> bool:
    """Whether an export reports a diagnosis: the key's, the account's and the run's; not one
    model's (a refusal there is why a model is not offered, which `omitted` and the offer
    say; no project's configured model is judged)."""
    return diagnosis.model is None or diagnosis.account_wide


def _nothing(catalog: Catalog) -> list[str]:
    return []


def _saved(ctx: Context, prepared: Prepared) -> Source:
    """--offline: the catalogue the last online check of this key saved (the project's last
    without a key), with its age, the line order it walked and whose it is: the proofs of
    that one check are what is published."""
    key, conflict = found_key(ctx, prepared.files, stdin_key(ctx))
    if conflict:
        ctx.ui.warn(conflict)
    record = saved_record(ctx, key)
    age = age_of(record.checked_at, ctx.now())
    ago = age_words(record.checked_at, ctx.now(), "old")
    whose = "this key's last online check" if key else "no key found: this project's last check"
    ctx.ui.say(
        f"Exporting what {whose} proved: the check of {record.checked_at[:10]} ({ago}) by "
        f"{record.key_fingerprint}, line order {','.join(record.prefer) or 'none'}."
    )
    check: JsonObject = {
        "checked_at": record.checked_at,
        "prefer": list(record.prefer),
        "key_fingerprint": record.key_fingerprint,
        "whose": "key" if key else "project",
    }
    return Source(record.models, record.checked_at, saved=True, age_days=age, check=check)


def _renovate_fields(found: renovate.Offer) -> JsonObject:
    return {
        "models": len(found.releases),
        "lines": dict(found.best),
        "omitted": list(found.omitted),
    }


def _tell(ctx: Context, fields: JsonObject) -> None:
    ui = ctx.ui
    if fields["kind"] == "renovate":
        lines = fields["lines"]
        assert isinstance(lines, dict)
        for line, best in lines.items():
            ui.say(f"  {line}: {best or 'nothing proven callable: none offered'}")
        ui.ok(f"Wrote Renovate's datasource ({fields['models']} models): {fields['path']}")
    else:
        ui.ok(f"Wrote the catalogue snapshot ({fields['models']} models): {fields['path']}")
