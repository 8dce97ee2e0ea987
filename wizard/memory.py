"""Memory between runs: the last detection per project and key fingerprint (never the key),
and what changed since.

Stored as a versioned `Record`, read back through `Record.from_json`: the readers never pick a
raw dict apart, and a change to the `--json` output cannot break them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from wizard import untrusted
from wizard.catalog import Catalog, Model
from wizard.detection.result import Detection
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode
from wizard.jsontypes import JsonObject, as_list, as_object
from wizard.state import Store
from wizard.vocab import Code, Lifecycle, Status

VERSION = 1


@dataclass
class Record:
    checked_at: str
    key_fingerprint: str
    configured: str | None
    status: Status
    recommended: str | None
    prefer: tuple[str, ...]
    models: list[Model] = field(default_factory=list)
    resolved: str | None = None
    previous: str | None = None
    previous_status: Status | None = None
    # Aliases the API resolved (`check --offline` reads an alias as the model it names).
    aliases: dict[str, str] = field(default_factory=dict)
    # Made with verification calls (not --no-verify): an unverified model in it is unknown,
    # not "listed, so fine". Records written before this field was kept read as verified.
    verified: bool = True
    # The organisation the key's answers named (status shows it from here).
    organization_id: str | None = None
    # The account-wide refusal that stopped the check (the key rejected, billing, a spend
    # cap): the offline views say it, with its exit code, until an online check says otherwise.
    blocked: Diagnosis | None = None
    # The listing answered: a catalogue of only the models asked by name ranks nothing.
    listed: bool = True

    @classmethod
    def of(cls, detection: Detection) -> Record:
        return cls(
            checked_at=detection.checked_at,
            key_fingerprint=detection.key_fingerprint,
            configured=detection.configured,
            status=detection.configured_status,
            recommended=detection.recommended,
            prefer=detection.prefer,
            models=list(detection.models),
            resolved=detection.configured_model,
            previous=detection.previous,
            previous_status=detection.previous_status,
            aliases=dict(detection.aliases),
            verified=detection.verify,
            organization_id=detection.organization_id,
            blocked=detection.blocker(),
            listed=detection.listed,
        )

    @property
    def catalog(self) -> Catalog:
        return Catalog(self.models)

    def configured_json(self) -> JsonObject:
        data: JsonObject = {
            "model": self.configured,
            "resolved": self.resolved,
            "status": str(self.status),
        }
        if self.previous is not None:
            data["previous"] = self.previous
            data["previous_status"] = str(self.previous_status) if self.previous_status else None
        return data

    def to_json(self) -> JsonObject:
        return {
            "version": VERSION,
            "checked_at": self.checked_at,
            "key": {"fingerprint": self.key_fingerprint, "organization_id": self.organization_id},
            "configured": self.configured_json(),
            "recommended": self.recommended,
            "prefer": list(self.prefer),
            "models": [m.to_record() for m in self.models],
            "aliases": self.aliases,
            "verified": self.verified,
            "blocked": self.blocked.to_json() if self.blocked else None,
            "listed": self.listed,
        }

    @classmethod
    def from_json(cls, data: object) -> Record | None:
        """The record, or None for anything this version cannot read (a cache: never fatal).
        Records without a version were written by 0.1 in the same shape."""
        try:
            if not isinstance(data, dict) or data.get("version", VERSION) != VERSION:
                return None
            configured = as_object(data.get("configured"))
            key = as_object(data.get("key"))
            previous_status = configured.get("previous_status")
            return cls(
                # hand-edited records are anyone's text: a date, and a fingerprint escaped
                checked_at=_timestamp(data.get("checked_at")),
                key_fingerprint=untrusted.text(key.get("fingerprint") or "", 40),
                configured=_text(configured.get("model")),
                status=Status(str(configured.get("status") or Status.UNSET)),
                recommended=_text(data.get("recommended")),
                prefer=tuple(str(line) for line in as_list(data.get("prefer"))),
                models=[Model.from_record(as_object(m)) for m in as_list(data.get("models"))],
                resolved=_text(configured.get("resolved")),
                previous=_text(configured.get("previous")),
                previous_status=Status(str(previous_status)) if previous_status else None,
                aliases={
                    str(k): str(v)
                    for k, v in as_object(data.get("aliases")).items()
                    if isinstance(k, str) and isinstance(v, str)
                },
                verified=data.get("verified") is not False,
                organization_id=untrusted.organization_id(key.get("organization_id")),
                blocked=_blocked(data.get("blocked")),
                listed=data.get("listed") is not False,
            )
        except (TypeError, ValueError, KeyError, AttributeError):
            return None


STAMP = re.compile(r"\d{4}-\d{2}-\d{2}(T[\d:.]+([+-]\d{2}:\d{2}|Z)?)?")


def _timestamp(value: object) -> str:
    """An ISO date and time as `checked_at` is written, else "" (read as of unknown age)."""
    return value if isinstance(value, str) and STAMP.fullmatch(value) else ""


def _blocked(value: object) -> Diagnosis | None:
    """A saved account-wide refusal, read back as anyone's text (a hand-edited home): a code
    that does not stop an account reads as none."""
    data = as_object(value)
    try:
        code = Code(str(data.get("code")))
    except ValueError:
        return None
    if not code.settles_account:
        return None
    url = data.get("url")
    return Diagnosis(
        code,
        untrusted.text(data.get("message") or "", 2000),
        untrusted.text(data.get("next_step") or "", 1000),
        url=untrusted.text(url, 500) if isinstance(url, str) else None,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _name(fingerprint: str) -> str:
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:16] + ".json"


def save(store: Store, project: Path, detection: Detection) -> None:
    _write(store, project, Record.of(detection))


def save_proofs(store: Store, project: Path, detection: Detection) -> None:
    """What `models --verify` proved, kept for `check --offline`: on top of this key's last
    record, whose judgement of the configured model (and proofs of models not verified now)
    it keeps; a model verified now takes the new answer."""
    record = Record.of(detection)
    earlier = load(store, project, detection.key_fingerprint)
    if earlier is not None and earlier.key_fingerprint == record.key_fingerprint:
        before = {m.id: m for m in earlier.models}
        record.models = [
            replace(m, callable=old.callable, verified=old.verified, reason=old.reason)
            if m.callable is None and (old := before.get(m.id)) is not None
            else m
            for m in record.models
        ]
        record.configured, record.status = earlier.configured, earlier.status
        record.recommended, record.resolved = earlier.recommended, earlier.resolved
        record.prefer, record.aliases = earlier.prefer, {**earlier.aliases, **record.aliases}
        record.verified = record.verified or earlier.verified
        record.blocked = record.blocked or _still_blocked(earlier.blocked, detection)
    _write(store, project, record)


def _still_blocked(blocked: Diagnosis | None, detection: Detection) -> Diagnosis | None:
    """An earlier account-wide refusal a partial check did not clear: a listing that answered
    clears a rejected key; only a call that was billed clears billing or a spend cap."""
    if blocked is None or detection.billed_calls:
        return None
    if blocked.code.exit_code == ExitCode.KEY and detection.models:
        return None
    return blocked


# The catalogue a record names is kept once for every project that saw it, by its content's
# hash: a scan of 5,000 projects of one key wrote 10,000 full copies (137 MB) before.
CATALOGS = "catalogs"
_DIGEST = re.compile(r"[0-9a-f]{24}")
_RECORD_NAME = re.compile(r"[0-9a-f]{16}\.json")


def _write(store: Store, project: Path, kept: Record) -> None:
    record = kept.to_json()
    record.pop("models")
    record["catalog"] = _save_catalog(store, kept.models)
    record["project"] = project_label(project)  # for people reading the home (no project.txt)
    folder = store.private_dir(store.project_dir(project, label=False) / "detections")
    name = _name(kept.key_fingerprint)
    others = [n for n in _records_in(folder) if n != name]
    # a cache: no fsync (a crash loses at most this record; the rename keeps it whole)
    store.write_json(folder / name, record, durable=False)
    pointer: JsonObject = {"version": VERSION, "last": name}  # which key's record is the last
    # With one key's record the folder needs no pointer (a scan of 5,000 new projects wrote
    # 5,000 of them): it is written once a second key's record is, and kept from then on.
    if not others and not (folder / "last.json").exists():
        return
    if store.read_json(folder / "last.json") != pointer:
        store.write_json(folder / "last.json", pointer, durable=False)


def project_label(project: Path) -> str:
    return os.path.realpath(project)


def _records_in(folder: Path) -> list[str]:
    """The names of the key records in a project's detections folder."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(n for n in names if _RECORD_NAME.fullmatch(n))


# The catalogues this process encoded and saved, by their models' fields: a scan saves the same
# shared catalogue for each of its 5,000 projects, and encoding and hashing it each time was
# most of a repeat scan's work. Bounded: a process sees a handful of catalogues.
_ENCODED: dict[tuple[str, tuple[object, ...]], str] = {}
_ENCODED_MAX = 64


_REMEMBERED_UP_TO = 5000  # models: beyond, building the key costs what encoding does


def _save_catalog(store: Store, models: list[Model]) -> str:
    # every field of every model (`vars`, not a list kept by hand: a field added later counts)
    seen = None
    if len(models) <= _REMEMBERED_UP_TO:
        seen = (str(store.home), tuple(tuple(vars(m).values()) for m in models))
        digest = _ENCODED.get(seen)
        # (still there: a home emptied by hand meanwhile gets its catalogue again)
        if digest is not None and (store.home / CATALOGS / f"{digest}.json").is_file():
            return digest
    document = {"version": VERSION, "models": [m.to_record() for m in models]}
    text = json.dumps(document, sort_keys=True) + "\n"
    digest = hashlib.sha256(text.encode()).hexdigest()[:24]
    path = store.private_dir(store.home / CATALOGS) / f"{digest}.json"
    if not path.is_file():  # the same models, the same file: written once
        store.write_private(path, text.encode(), durable=False)
    if seen is not None:
        if len(_ENCODED) >= _ENCODED_MAX:
            _ENCODED.clear()
        _ENCODED[seen] = digest
    return digest


def _with_catalog(store: Store, data: object) -> object:
    """A record as saved, with the catalogue it names read back in (records of 0.2 hold theirs
    inline). A catalogue that is gone, or a name that is no hash, leaves no record: a record
    without its models would judge every model unknown."""
    if not isinstance(data, dict) or "catalog" not in data:
        return data
    digest = data.get("catalog")
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        return None
    catalog = as_object(store.read_json(store.home / CATALOGS / f"{digest}.json"))
    if "models" not in catalog:
        return None
    return {**data, "models": catalog["models"]}


def load(store: Store, project: Path, fingerprint: str | None = None) -> Record | None:
    base = store.find_project_dir(project)  # a read creates nothing: a read-only home works
    if base is None:
        return None
    folder = base / "detections"
    path = folder / (_name(fingerprint) if fingerprint else "last.json")
    data = store.read_json(path)
    if fingerprint is None and data is None:  # no pointer: the folder's one record
        return _newest(store, [folder / name for name in _records_in(folder)])
    if fingerprint is None and isinstance(data, dict) and "last" in data:
        name = data.get("last")  # the pointer to the last key's record
        if not isinstance(name, str) or not _RECORD_NAME.fullmatch(name):
            return None
        data = store.read_json(folder / name)
    return Record.from_json(_with_catalog(store, data))


def load_for_key(store: Store, project: Path, fingerprint: str) -> Record | None:
    """The newest record of this key: this project's, else any project's (a key's catalogue
    is the account's, not the project's)."""
    own = load(store, project, fingerprint)
    if own is not None and own.key_fingerprint == fingerprint:
        return own  # (a record whose inside names another key is not this key's)
    paths = store.home.glob(f"projects/*/detections/{_name(fingerprint)}")
    return _newest(store, list(paths), fingerprint)


def _newest(store: Store, paths: list[Path], fingerprint: str | None = None) -> Record | None:
    """The newest of these saved records (of this key's, when one is named)."""
    found = [Record.from_json(_with_catalog(store, store.read_json(path))) for path in paths]
    records = [r for r in found if r is not None and fingerprint in (None, r.key_fingerprint)]
    return max(records, key=lambda r: r.checked_at, default=None)


# More new models than this are summarised in one line.
MAX_NEW_NAMED = 5


def changes_since(previous: Record | None, current: Detection) -> list[str]:
    """Sentences for the user: what the account or the catalogue did since the last run."""
    if previous is None or not current.models:
        return []
    when = previous.checked_at[:10]
    before = {m.id: m for m in previous.models}
    out: list[str] = []
    new: list[Model] = []
    for model in current.models:
        old = before.get(model.id)
        if old is None:
            if before:
                new.append(model)
            continue
        if model.callable and old.callable is False:
            out.append(f"{model.id} is now callable (refused on {when}).")
        if model.callable is False and old.callable is True:
            out.append(f"{model.id} is no longer callable (it was on {when}).")
        if model.lifecycle != old.lifecycle:
            if model.lifecycle == Lifecycle.DEPRECATED:
                retires = f" ({model.retirement(current.day)})" if model.retires_on else ""
                out.append(f"{model.id} is now deprecated{retires}.")
            elif model.lifecycle == Lifecycle.RETIRED:
                out.append(f"{model.id} was retired.")
    if len(new) > MAX_NEW_NAMED:
        # a catalogue that changed a lot (another scenario, a long absence): a summary
        named = ", ".join(m.id for m in new[:MAX_NEW_NAMED])
        more = len(new) - MAX_NEW_NAMED
        out.insert(0, f"{len(new)} new models since {when}: {named} and {more} more.")
    else:
        out[:0] = [f"New model: {m.id} ({m.lifecycle})." for m in new]
    configured = current.configured
    lost = (Status.RETIRED, Status.NOT_CALLABLE, Status.UNKNOWN_MODEL)
    was_fine = previous.status in (Status.CALLABLE, Status.DEPRECATED)
    if current.configured_status in lost and was_fine and configured == previous.configured:
        word = (
            "was retired"
            if current.configured_status == Status.RETIRED
            else "can no longer be called"
        )
        out.append(f"Your configured model {configured} {word}.")
    return out
