"""A command's options, by concern: one frozen group for each of the parser's option groups
(`option_groups.py`) and one for each command's own flags. A command reads the group it needs
(`o.api.timeout`, `o.scope.offline`); `Options.of` is the one place that sorts the parser's flat
names into the groups."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from wizard.constants import DEFAULT_MAX_VERIFY, DEFAULT_SCENARIO, DEFAULT_TIMEOUT


@dataclass(frozen=True)
class Files:
    project: Path = Path(".")  # cli.py always sets it: the folder found, made absolute
    project_given: bool = False
    project_marker: str | None = None  # what marked the folder found above the current one
    env_file: Path | None = None
    config: Path | None = None
    checklist: Path | None = None


@dataclass(frozen=True)
class Api:
    api_key_stdin: bool = False
    admin_key_stdin: bool = False  # limits, doctor, run, check, key: the admin key on stdin
    base_url: str | None = None
    prefer: str | None = None
    verify: bool = True  # not --no-verify
    max_verify: int = DEFAULT_MAX_VERIFY
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class Output:
    json: bool = False
    no_input: bool = False
    debug: bool = False
    verbose: bool = False  # exec --verbose: where the key came from, on stderr


@dataclass(frozen=True)
class Recording:
    record: Path | None = None  # --record FILE: every exchange with the API
    redact_org: bool = False  # --redact-org: the organisation ID masked in the recording
    report: Path | None = None  # doctor --report FILE: one file for a support ticket


@dataclass(frozen=True)
class Writing:
    yes: bool = False
    dry_run: bool = False
    # replace what flux-setup did not write: the --record FILE, export's file, undo's changed one
    force: bool = False
    check: bool = False  # migrate --check: write nothing, say whether a migration is due
    write_checklist: bool = False  # check --write-checklist


@dataclass(frozen=True)
class ModelChoice:
    model: str | None = None
    fallback: str | None = None  # run --fallback: a model ID, or "none"
    save_key: str | None = None  # run --save-key keyring|env|none (None: asked, or none)
    allow_plaintext_keyring: bool = False  # a keyrings.alt file backend may keep the key


@dataclass(frozen=True)
class Scope:
    """check's many projects and offline (doctor and export take --offline too)."""

    all: bool = False  # check --all: every project under `folders`
    folders: list[Path] = field(default_factory=list)
    fix: bool = False
    offline: bool = False
    missing_catalog: str = "fail"  # --missing-catalog: "pass" for the pre-commit hook
    warn_days: int | None = None  # --warn-days; DEFAULT_WARN_DAYS when not given
    max_age: int | None = None  # check --offline --max-age: an older catalogue fails
    fail_on: frozenset[int] | None = None  # check --fail-on: the verdicts that fail


@dataclass(frozen=True)
class Models:
    verify_models: str | None = None  # models --verify: "all", a line, or model IDs
    line: str | None = None  # models --line
    include_retired: bool = False  # models --all


@dataclass(frozen=True)
class Export:
    export_kind: str = "renovate"  # export renovate|catalog
    out: Path | None = None  # export --out FILE


@dataclass(frozen=True)
class Key:
    key_action: str = "status"  # key set|move|remove|status
    to: str = "keyring"  # key move --to
    admin: bool = False  # key set/remove/status --admin: the admin key's entry


@dataclass(frozen=True)
class Undo:
    list_changesets: bool = False
    changeset: str | None = None
    batch: str | None = None  # undo --batch: the batch of a `check --all --fix`


@dataclass(frozen=True)
class Demo:
    scenario: str = DEFAULT_SCENARIO
    keep: bool = False


@dataclass(frozen=True)
class Exec:
    exec_command: list[str] = field(default_factory=list)  # exec -- CMD [ARGS...]


@dataclass(frozen=True)
class Completion:
    shell: str = "bash"


@dataclass(frozen=True)
class Options:
    command: str = "run"
    files: Files = field(default_factory=Files)
    api: Api = field(default_factory=Api)
    output: Output = field(default_factory=Output)
    recording: Recording = field(default_factory=Recording)
    writing: Writing = field(default_factory=Writing)
    choice: ModelChoice = field(default_factory=ModelChoice)
    scope: Scope = field(default_factory=Scope)
    models: Models = field(default_factory=Models)
    export: Export = field(default_factory=Export)
    key: Key = field(default_factory=Key)
    undo: Undo = field(default_factory=Undo)
    demo: Demo = field(default_factory=Demo)
    exec: Exec = field(default_factory=Exec)
    completion: Completion = field(default_factory=Completion)

    @classmethod
    def of(cls, command: str = "run", **flat: object) -> Options:
        """The options from the parser's flat names (argparse's types made each value what its
        field holds): the one place they are built, for the CLI and the tests alike."""
        return cls(command=command).replaced(**flat)

    def replaced(self, **flat: object) -> Options:
        """A copy with these fields (flat names) replaced, each in the one group that holds
        it. A name no group holds is an error: a flag without a field would be parsed and
        silently dropped."""
        unplaced = sorted(set(flat) - set(GROUP_OF))
        if unplaced:
            raise RuntimeError(f"parsed options with no field in Options: {', '.join(unplaced)}")
        groups: dict[str, dict[str, object]] = {}
        for name, value in flat.items():
            groups.setdefault(GROUP_OF[name], {})[name] = value
        changed = {g: dataclasses.replace(getattr(self, g), **v) for g, v in groups.items()}
        return dataclasses.replace(self, **changed)


def _group_of() -> dict[str, str]:
    blank = Options()
    return {
        name.name: group.name
        for group in dataclasses.fields(Options)
        if group.name != "command"
        for name in dataclasses.fields(getattr(blank, group.name))
    }


GROUP_OF = _group_of()  # each flat name (the parser's `dest`) -> the one group that holds it
