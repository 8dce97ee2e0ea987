"""Where a project's key is kept: the keyring entry its .env names, and the one line (and JSON
field) that `status`, `doctor` and `key status` show about it.

The project keeps only the entry's name (`FLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY` in its
git-ignored .env); the key itself stays in the OS keyring.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from wizard import project
from wizard.constants import KEYRING_ENTRY_VAR
from wizard.errors import WizardError
from wizard.flow import consent
from wizard.flow.session import Context
from wizard.jsontypes import JsonObject
from wizard.keys import ApiKey, KeyDiscovery
from wizard.keystore import (
    API_ENTRY,
    ENTRY_NAME,
    KeyringProblem,
    checked_entry,
    entry_label,
)
from wizard.prompts import Option
from wizard.vocab import KeyStored

MOVE_FIX = "`flux-setup key move --to keyring` takes it out of the file (`undo` puts it back)."


def project_entry(files: project.ProjectFiles) -> str | None:
    """The keyring entry the project's .env names; None when it names none."""
    raw = (files.env_values.get(KEYRING_ENTRY_VAR) or "").strip()
    return checked_entry(raw, files.env_path.name) if raw else None


def keyring_reader(ctx: Context) -> Callable[[str], str | None]:
    """A keyring entry's value, for undo of a change that moved the key there: the keyring is
    touched only when such a change is undone."""
    return lambda entry: ctx.keystore().read(entry)


def undo_notes(ctx: Context, restores: list[tuple[bytes | None, bytes | None]]) -> list[str]:
    """What undo cannot put back, said before it asks: a keyring entry is not a file (no backup
    holds a key). From each restored file as it is now and as it will be."""
    notes = []
    for now, then in restores:
        if not (now and KEYRING_ENTRY_VAR.encode() in now) and not (
            then and KEYRING_ENTRY_VAR.encode() in then
        ):
            continue  # names no entry, before or after: not a .env of ours
        named_now, named_then = _named(now), _named(then)
        if named_now and named_now != named_then:
            notes.append(
                f"The keyring entry {entry_label(named_now)} stays as it is (undo restores "
                "files only; `flux-setup key remove` deletes it)."
            )
        if named_then and named_then != named_now and ctx.keystore().read(named_then) is None:
            notes.append(
                f"The restored .env names {entry_label(named_then)}, which the keyring no "
                "longer has: `flux-setup key set` keeps the key there again."
            )
    return notes


def _named(data: bytes | None) -> str | None:
    from wizard import envfile

    try:
        raw = (envfile.parse(data).values().get(KEYRING_ENTRY_VAR) or "").strip()
    except WizardError:  # not a .env (a config, the checklist): names no entry
        return None
    return raw if ENTRY_NAME.fullmatch(raw) else None


def keyring_key(ctx: Context, files: project.ProjectFiles) -> str | None:
    """The key from the entry the project names (None when it names none); a KeyringProblem
    (exit 3) when the keyring is off, absent, locked, or has no such entry."""
    entry = project_entry(files)
    if entry is None:
        return None
    value = ctx.keystore().read(entry)
    if value is None:
        raise KeyringProblem(
            f"{files.env_path.name} says the key is in the OS keyring as {entry_label(entry)}, "
            "but the keyring has no such entry (removed, or another machine's keyring).",
            "Store the key there again: `flux-setup key set` (or pipe it in with --api-key-stdin).",
        )
    return value


@dataclass(frozen=True)
class Storage:
    """Where the key in use is kept, said in one line; `plaintext` earns a warning and a fix."""

    stored: KeyStored | None
    line: str
    plaintext: bool = False
    fix: str | None = None
    failed: bool = False  # the keyring the project names could not give the key

    @property
    def warns(self) -> bool:
        return self.plaintext or self.failed

    def to_json(self) -> JsonObject:
        return {
            "stored": str(self.stored) if self.stored else None,
            "plaintext": self.plaintext,
            "summary": self.line,
            "fix": self.fix,
        }


NO_RING_FIX = "`flux-setup run --save-key env` keeps it in .env, or export ANTHROPIC_API_KEY"


def storage(
    found: KeyDiscovery,
    files: project.ProjectFiles,
    problem: KeyringProblem | None,
    *,
    no_keyring: bool = False,
) -> Storage:
    """The key-storage line of `status`, `doctor` and `key status`: from what discovery found
    (and the keyring's problem, when reading the entry failed, with its own fix); with no key,
    a fix that works here (`key set` only where a keyring can keep it)."""
    entry = project_entry(files)
    if problem is not None:
        return Storage(
            KeyStored.KEYRING, f"the OS keyring: {problem.message}", fix=problem.fix, failed=True
        )
    key = found.key
    if key is None:
        return Storage(
            None, "nowhere", fix=NO_RING_FIX if no_keyring else "`flux-setup key set` keeps one"
        )
    stored = key.stored or key.source.stored
    name = files.env_path.name
    if stored == KeyStored.KEYRING:
        return Storage(stored, f"the OS keyring ({entry_label(entry or API_ENTRY)})")
    if stored == KeyStored.ENV_FILE:
        return Storage(stored, f"{name}, in plaintext", plaintext=True, fix=MOVE_FIX)
    if stored == KeyStored.CONFIG:
        return Storage(stored, "the Flux config, in plaintext", True, "`flux-setup migrate`")
    return Storage(stored, f"{key.source.label} (not stored by flux-setup)")


KEEP_FLAG = "--save-key keyring|env|none"
KEPT_AS = {"keyring": KeyStored.KEYRING, "env": KeyStored.ENV_FILE}  # run's choice, applied


def refuse_unusable_keyring(ctx: Context) -> None:
    """`--save-key keyring` where no keyring can keep the key: exit 3 with what remains, said
    before the key is asked for and before any (billed) call."""
    if ctx.options.choice.save_key != "keyring":
        return
    refused = ctx.keystore().unavailable(storing=True)
    if refused is not None:
        raise KeyringProblem(
            f"--save-key keyring: {refused}", "Use --save-key env or --save-key none."
        )


def choose_keeping(ctx: Context, files: project.ProjectFiles, key: ApiKey) -> str:
    """Where `run` keeps the key: `keyring`, `env` or `none`. --save-key says it; else a key
    typed this run is asked about (the keyring first, where one can keep it); else none."""
    o = ctx.options
    if o.choice.save_key is not None:
        refuse_unusable_keyring(ctx)
        return o.choice.save_key
    if not key.source.typed or not consent.may_ask(ctx):
        return "none"
    why = ctx.keystore().problem(storing=True)
    options = [
        Option(
            f"{files.env_path.name}  (plaintext, 0600, git-ignored)",
            "env",
            note="Flux reads it from there",
        ),
        Option("nowhere  (you export ANTHROPIC_API_KEY)", "none"),
    ]
    if why is None:
        options.insert(
            0,
            Option(
                "the OS keyring  (recommended)",
                "keyring",
                note="Start Flux with `flux-setup exec -- flux`",
            ),
        )
    else:
        ctx.ui.warn(f"The OS keyring is not offered. {why.message} {why.fix}")
    return ctx.prompter.select(
        "Where should the key be kept?", options, options[0].value, flag=KEEP_FLAG
    )


def entry_for(ctx: Context, files: project.ProjectFiles, key: ApiKey) -> str:
    """The entry that keeps `key`: the one the project names, else the default, when it is
    empty or holds this key already; else an entry of this key's own. An entry that holds a
    different key may be another project's (every project's default is the same entry): it is
    never replaced, as aws-vault keeps one entry per profile."""
    ring = ctx.keystore()
    value = key.reveal()
    own = own_entry(value)
    for entry in dict.fromkeys((project_entry(files) or API_ENTRY, API_ENTRY, own)):
        held = ring.read(entry)
        if held is None or held == value:
            if entry == own:
                ctx.ui.say(
                    f"{entry_label(project_entry(files) or API_ENTRY)} holds another key "
                    f"(another project's, perhaps): it is left as it is, and this key gets "
                    f"its own entry, {entry_label(own)}."
                )
            return entry
    raise KeyringProblem(  # a digest's 48 bits shared by two keys: never seen, still said
        f"{entry_label(own)} holds another key.",
        f"Remove it with your keyring's tools, or give this project its own entry: "
        f"{KEYRING_ENTRY_VAR}=<name> in {files.env_path.name}.",
    )


def own_entry(value: str) -> str:
    """An entry named by the key (a digest, never its characters): two projects of one key
    share it, and a different key never lands in it."""
    return f"{API_ENTRY}.{hashlib.sha256(value.encode()).hexdigest()[:12]}"


def keep_in_keyring(ctx: Context, key: ApiKey, entry: str) -> None:
    """Write the key into the keyring entry (after consent, before the files that name it)."""
    ctx.keystore().write(entry, key.reveal())
    key.stored = KeyStored.KEYRING
    ctx.ui.ok(f"Kept the key {key.fingerprint} in the OS keyring ({entry_label(entry)}).")
