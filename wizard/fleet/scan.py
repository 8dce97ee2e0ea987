"""`check --all`'s model: each project read like `check` reads one, the projects grouped by key
and base URL, one detection per group (run a few at a time), and each project judged from
its view of its group's detection."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wizard import verdict as verdicts
from wizard.concurrency import concurrently
from wizard.constants import SCAN_WORKERS
from wizard.detection import Detection, detect
from wizard.detection.request import Request
from wizard.detection.steps import unlisted_lines
from wizard.detection.view import for_project
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode, UsageError, WizardError
from wizard.flow.key import found_key, no_key
from wizard.flow.network import unknown_lines
from wizard.flow.online import earlier_check
from wizard.flow.prepare import Prepared, add_mismatch, env_override, preferred_lines, prepare
from wizard.flow.session import Context
from wizard.jsontypes import JsonObject
from wizard.keys import ApiKey
from wizard.vocab import Status


@dataclass
class Member:
    """One project of a scan: what it names, the key it uses, and the verdict on it."""

    path: Path
    prepared: Prepared | None = None
    key: ApiKey | None = None
    base_url: str = ""
    prefer: tuple[str, ...] = ()
    error: WizardError | None = None
    detection: Detection | None = None
    code: ExitCode = ExitCode.OK
    override: Diagnosis | None = None
    # Another key is also found for it (the environment's wins over its .env).
    conflict: str | None = None
    shown: str = ""  # its path as the output shows it (from the scanned folder)
    # The verdict's facts, online (from `detection`) or offline (from the saved catalogue).
    status: Status = Status.UNSET
    fallback_status: Status = Status.UNSET  # the configured fallback's
    recommended: str | None = None
    diagnoses: list[Diagnosis] = field(default_factory=list)
    catalog: JsonObject | None = None  # offline: the saved catalogue judged by
    context: Context | None = None  # the context `check` would have in it (made once)

    @property
    def configured(self) -> str | None:
        return self.prepared.configured if self.prepared else None

    @property
    def fallback(self) -> str | None:
        return self.prepared.fallback if self.prepared else None

    def fail(self, error: WizardError) -> None:
        self.error, self.code = error, error.code


@dataclass
class Group:
    """The projects that share a key and a base URL: one detection serves them all."""

    key: ApiKey
    base_url: str
    members: list[Member] = field(default_factory=list)
    detection: Detection | None = None

    @property
    def prefer(self) -> tuple[str, ...]:
        """The line order most of its projects use: the detection's own (the others are
        walked after it, with their own share of the cap)."""
        return Counter(m.prefer for m in self.members).most_common(1)[0][0]

    @property
    def orders(self) -> list[tuple[str, ...]]:
        """Every line order its projects use, the walk's own first."""
        first = self.prefer
        return [first] + sorted({m.prefer for m in self.members} - {first})

    @property
    def models(self) -> list[str]:
        """Every model its projects configure, and every configured fallback: each is
        verified in the first round."""
        named = {m.configured for m in self.members} | {m.fallback for m in self.members}
        return sorted(model for model in named if model)


def project_context(ctx: Context, path: Path) -> Context:
    """The context `check` would have in that project."""
    options = ctx.options.replaced(
        project=path,
        project_given=True,
        env_file=None,
        config=None,
        checklist=None,
        all=False,
        folders=[],
    )
    return dataclasses.replace(ctx, options=options)


def load(ctx: Context, path: Path, stdin_key: str | None) -> Member:
    """The project as `check` reads it; a project that cannot be read carries its error (the
    scan goes on with the others)."""
    member = Member(path)
    pctx = member.context = project_context(ctx, path)
    try:
        member.prepared = prepare(pctx)
        files = member.prepared.files
        member.prefer = preferred_lines(pctx, files)
        key, member.conflict = found_key(pctx, files, stdin_key)
        if key is None:
            raise no_key("its .env, its config")
        member.key = key
        member.base_url = ctx.base_url()
    except WizardError as exc:
        member.fail(exc)
    return member


def group(members: Sequence[Member]) -> list[Group]:
    """Projects by key, in the order first seen. (The base URL is the run's, one for every
    project: `--base-url`, else ANTHROPIC_BASE_URL, resolved once by `Context.base_url`; a
    group is so one key at one base URL.)"""
    groups: dict[str, Group] = {}
    for member in members:
        if member.key is None or member.error is not None:
            continue
        slot = member.key.reveal()
        if slot not in groups:
            groups[slot] = Group(member.key, member.base_url)
        groups[slot].members.append(member)
    return list(groups.values())


def detect_all(
    ctx: Context, groups: Sequence[Group], done: Callable[[Group], None] = lambda g: None
) -> None:
    """One detection per group, at most SCAN_WORKERS at a time; `done` is told of each."""

    o = ctx.options

    def one(g: Group) -> None:
        client = ctx.api_client(g.key, base_url=g.base_url)
        try:
            request = Request(
                prefer=g.prefer,
                verify=o.api.verify,
                # the cap is per key and line order, plus one call per model configured
                max_billed=o.api.max_verify * len(g.orders) + len(g.models),
                extra=g.models if o.api.verify else (),
                also_prefer=g.orders[1:],
                # --fix writes the rule's fallback, as `run --yes` would: it must be proven
                prove_fallback=o.scope.fix,
                # what the last check of the key predicts, read from one of its projects
                hint=earlier_check(ctx.store, g.members[0].path, g.key) if o.api.verify else None,
            )
            g.detection = detect(client, g.key, request, now=ctx.now)
        finally:
            client.close()
        done(g)

    concurrently([(lambda g=g: one(g)) for g in groups], SCAN_WORKERS)  # type: ignore[misc]


def judge_and_remember(ctx: Context, groups: Sequence[Group]) -> None:
    """Each project's verdict from its view of its group's detection; its memory saved (the
    next `check --offline` in that project reads it)."""
    from wizard.flow.outputs import remember

    for g in groups:
        shared = g.detection
        assert shared is not None
        for member in g.members:
            pctx = member.context or project_context(ctx, member.path)
            unknown = _unknown_lines(shared, member.prefer)
            if unknown:
                member.fail(unknown)
                continue
            assert member.prepared is not None and member.key is not None
            view = for_project(
                shared,
                configured=member.configured,
                prefer=member.prefer,
                key=member.key,
                fallback=member.fallback,
            )
            member.detection = view
            override = env_override(pctx, member.prepared.sources)
            member.code, member.override = verdicts.judge(view, override)
            add_mismatch(member.prepared, view)
            member.status, member.recommended = view.configured_status, view.recommended
            member.fallback_status = view.configured_fallback_status
            member.diagnoses = view.diagnoses
            remember(pctx, view)


def judge_offline(ctx: Context, members: Sequence[Member]) -> None:
    """`check --all --offline`: each project judged by the catalogue saved for its key, or
    by the snapshot it commits where that is fresher (`find_catalogue`)."""
    from wizard.flow.saved import catalog_json, find_catalogue, judge_saved

    for member in members:
        if member.error is not None:
            continue
        assert member.prepared is not None and member.key is not None
        pctx = member.context or project_context(ctx, member.path)
        try:
            record, snapshot, _ = find_catalogue(pctx, member.key)
        except WizardError as exc:
            member.fail(exc)
            continue
        result = judge_saved(pctx, record, member.prepared, member.prefer, snapshot)
        member.code = result.code
        member.status, member.recommended = result.verdict.status, result.verdict.recommended
        member.fallback_status = result.verdict.fallback_status
        member.diagnoses = result.diagnoses
        member.catalog = catalog_json(result)


def _unknown_lines(shared: Detection, prefer: Sequence[str]) -> UsageError | None:
    if not shared.listed:
        return None
    unknown = unlisted_lines(prefer, {m.line for m in shared.models if m.line})
    if not unknown:
        return None
    fix = "Correct [model].prefer in its Flux config, e.g. "
    return unknown_lines(shared, unknown, "The project's line order", fix)


def overall(members: Sequence[Member]) -> ExitCode:
    """The highest of the projects' codes: 12 > 11 > 10 > an error's code > 0."""
    return verdicts.overall(m.code for m in members)
