"""Evidence bundles: one candidate's or one sitting's full trace in a zip that an auditor checks
offline. docs/evidence-bundle.md describes the format.

Two checks, each enough on its own: with the exam body's public key, anyone checks the signed seal
and every signed event after it, and that each chain's lines are the ones the seal commits to;
with the trace key, every event's HMAC and the chains' heads as well. The manifest's SHA-256 sums
name the file that was damaged; they are not a signature, and the documents/ files are readable
copies that count only as far as they agree with the events."""

import hashlib
import io
import json
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from examhall.trace import merkle
from examhall.trace.chain import (
    GENESIS,
    EventRow,
    Head,
    Link,
    format_time,
    is_digest,
    parse_time,
    verify_links,
)
from examhall.trace.merkle import Leaf
from examhall.trace.seals import (
    Sealed,
    Signed,
    check_digests,
    check_signed,
    event_line,
    leaf_from,
    sealed_from_event,
)

FORMAT = "examhall-bundle/2"
MANIFEST = "manifest.json"
PROOFS = "proofs.json"
HEADS = "heads.json"
SIGNATURES = "signatures.json"
EVENTS_DIR = "events/"
DOCUMENTS_DIR = "documents/"

# Limits on what verification reads: a whole sitting of a few hundred candidates, with their
# documents, is a few tens of megabytes.
MAX_MEMBERS = 10_000
MAX_BYTES = 512 * 1024 * 1024

_UNSAFE_PART = re.compile(r"[\x00-\x1f\x7f\\:]")
_ROW_FIELDS = frozenset(EventRow._fields)
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)


@dataclass
class BundleReport:
    ok: bool
    problems: list[str]
    chains: int
    events: int


def _leaf_list(leaf: Leaf) -> list[Any]:
    return [leaf.chain, leaf.position, leaf.hash]


def _sorted_leaves(leaves: list[Leaf]) -> list[Leaf]:
    return sorted(leaves, key=lambda leaf: (leaf.chain, leaf.position, leaf.hash))


def chain_file(chain: str) -> str:
    """Where a chain's events are in a bundle."""
    name = chain.replace(":", "_")
    if not chain or "/" in name or name in (".", "..") or _UNSAFE_PART.search(name):
        raise ValueError(f"chain name {chain!r} cannot be a file name")
    return f"{EVENTS_DIR}{name}.jsonl"


def _safe_path(path: str) -> bool:
    """A relative path that lands inside the directory it is extracted to, on any system."""
    parts = path.split("/")
    return all(part not in ("", ".", "..") and not _UNSAFE_PART.search(part) for part in parts)


def _pretty(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _subject_problem(subject: str, sitting: str, included: set[str], sealed: set[str]) -> str | None:
    if subject not in included:
        return f"the subject {subject} is not one of the bundle's chains"
    if subject == sitting and sealed - included:
        missing = ", ".join(sorted(sealed - included))
        return f"a bundle of the whole sitting {sitting} lacks sealed chains: {missing}"
    return None


def write_bundle(
    *,
    subject: str,
    seal: Sealed,
    chains: dict[str, list[EventRow]],
    heads: dict[str, Head],
    signatures: list[Signed],
    documents: dict[str, bytes],
) -> bytes:
    """The bundle as zip bytes; the same arguments always give the same bytes. The events are
    written as they are: a bundle of a damaged trace is written, and fails verification."""
    sitting = seal.chain
    if sitting not in chains:
        raise ValueError(f"the bundle must include the sitting chain {sitting}, which carries the seal")
    seal_event = next((row for row in chains[sitting] if row.position == seal.position), None)
    if seal_event is None:
        raise ValueError(f"chain {sitting} has no event at position {seal.position}")
    sealed = {leaf.chain: leaf for leaf in seal.leaves}
    unsealed = sorted(set(chains) - set(sealed))
    if unsealed:
        raise ValueError(f"chains not covered by the seal: {', '.join(unsealed)}")
    problem = _subject_problem(subject, sitting, set(chains), set(sealed))
    if problem:
        raise ValueError(problem)

    files: dict[str, bytes] = {}
    chain_entries: list[dict[str, Any]] = []
    for chain in sorted(chains):
        name = chain_file(chain)
        if name in files:
            raise ValueError(f"two chains would be written to {name}")
        rows = sorted(chains[chain], key=lambda row: row.position)
        if any(row.chain != chain for row in rows):
            raise ValueError(f"events of another chain were given as chain {chain}")
        files[name] = b"".join(event_line(row) for row in rows)
        chain_entries.append({"chain": chain, "file": name, "events": len(rows)})
    files[PROOFS] = _pretty(
        {
            chain: {
                "leaf": _leaf_list(sealed[chain]),
                "path": [list(step) for step in merkle.proof(seal.leaves, chain)],
            }
            for chain in sorted(chains)
        }
    )
    files[HEADS] = _pretty(
        {
            chain: {"chain": head.chain, "position": head.position, "hash": head.hash, "mac": head.mac}
            for chain, head in sorted(heads.items())
            if chain in chains
        }
    )
    files[SIGNATURES] = _pretty([s.as_dict() for s in sorted(signatures, key=lambda s: (s.chain, s.position))])
    for name, content in sorted(documents.items()):
        if not _safe_path(name):
            raise ValueError(f"document name {name!r} is not a safe relative path")
        files[DOCUMENTS_DIR + name] = content

    manifest = {
        "format": FORMAT,
        "subject": subject,
        "created_at": format_time(seal_event.at),
        "seal": {
            "chain": sitting,
            "position": seal.position,
            "root": seal.root,
            "leaves": [_leaf_list(leaf) for leaf in _sorted_leaves(seal.leaves)],
        },
        "chains": chain_entries,
        "files": [
            {"path": path, "sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
            for path, content in sorted(files.items())
        ],
    }
    return _zip({MANIFEST: _pretty(manifest), **dict(sorted(files.items()))}, seal_event.at)


def _zip(files: dict[str, bytes], at: datetime) -> bytes:
    stamp = max(at.astimezone(UTC), _ZIP_EPOCH)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # the host system otherwise, and the bytes would differ by platform
            info.external_attr = 0o644 << 16
            archive.writestr(info, content, compresslevel=9)
    return buffer.getvalue()


# Verification.


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("a key is repeated")
    return result


def _load_json(content: bytes) -> Any:
    return json.loads(content.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)


@dataclass
class _Manifest:
    subject: str
    created_at: str
    seal: Sealed
    chains: list[tuple[str, str, int]]  # chain, file, events
    files: dict[str, tuple[str, int]]  # path: sha256, bytes


def _count(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{what} is {value!r}, not a count")
    return value


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} is {value!r}, not a text")
    return value


def _parse_manifest(content: bytes) -> _Manifest:
    data = _load_json(content)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("format") != FORMAT:
        raise ValueError(f"the format is {data.get('format')!r}, not {FORMAT}: not an examhall evidence bundle")
    seal = data.get("seal")
    if not isinstance(seal, dict) or not isinstance(seal.get("leaves"), list):
        raise ValueError("no seal with its leaves")
    root = seal.get("root")
    if not is_digest(root):
        raise ValueError(f"the seal's root is {root!r}")
    sealed = Sealed(
        _text(seal.get("chain"), "the seal's chain"),
        _count(seal.get("position"), "the seal's position"),
        root,
        [leaf_from(value) for value in seal["leaves"]],
        {},  # the digests are read from the seal event itself
    )
    chains_value, files_value = data.get("chains"), data.get("files")
    if not isinstance(chains_value, list) or not isinstance(files_value, list):
        raise ValueError("no list of chains or of files")
    chains: list[tuple[str, str, int]] = []
    for entry in chains_value:
        if not isinstance(entry, dict):
            raise ValueError(f"a chain entry is {entry!r}")
        chain = _text(entry.get("chain"), "a chain's name")
        chains.append(
            (
                chain,
                _text(entry.get("file"), f"the file of chain {chain}"),
                _count(entry.get("events"), f"the event count of chain {chain}"),
            )
        )
    files: dict[str, tuple[str, int]] = {}
    for entry in files_value:
        if not isinstance(entry, dict):
            raise ValueError(f"a file entry is {entry!r}")
        path = _text(entry.get("path"), "a file's path")
        sha = entry.get("sha256")
        if not is_digest(sha):
            raise ValueError(f"the SHA-256 of {path} is {sha!r}")
        if path in files:
            raise ValueError(f"{path} is listed twice")
        files[path] = (sha, _count(entry.get("bytes"), f"the size of {path}"))
    return _Manifest(
        _text(data.get("subject"), "the subject"), _text(data.get("created_at"), "created_at"), sealed, chains, files
    )


_ROW_TYPES = tuple(int if name == "position" else str for name in EventRow._fields)


def _row_from(value: Any) -> EventRow:
    if type(value) is not dict or value.keys() != _ROW_FIELDS:
        raise ValueError(f"not an event: it must have exactly the fields {', '.join(sorted(_ROW_FIELDS))}")
    fields = [value[name] for name in EventRow._fields]
    if tuple(map(type, fields)) != _ROW_TYPES:  # exact types: a bool is no position
        name, item = next(
            (n, v) for n, v, t in zip(EventRow._fields, fields, _ROW_TYPES, strict=True) if type(v) is not t
        )
        raise ValueError(f"the field {name} is {item!r}")
    for name in ("prev_hash", "hash"):
        if not is_digest(value[name]):
            raise ValueError(f"the field {name} is {value[name]!r}, not a hex digest")
    fields[2] = parse_time(fields[2])
    return EventRow(*fields)


@dataclass
class _Verification:
    key: bytes | None
    public: Ed25519PublicKey | None
    max_members: int
    max_bytes: int
    problems: list[str] = field(default_factory=list)
    chains: int = 0
    events: int = 0
    links: dict[str, list[Link]] = field(default_factory=dict)  # each chain's events as the HMACs read them

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def run(self, data: bytes) -> None:
        if not self.key and self.public is None:
            self.problem(
                "neither the exam body's public key nor the trace key was given: a bundle verifies with either"
            )
        members = self._members(data)
        if members is None:
            return
        if MANIFEST not in members:
            self.problem(f"{MANIFEST} is missing: this is not an examhall evidence bundle")
            return
        try:
            manifest = _parse_manifest(members[MANIFEST])
        except (ValueError, RecursionError) as exc:
            self.problem(f"{MANIFEST}: {exc}")
            return
        self._check_files(members, manifest)
        rows = {chain: self._events(chain, file, count, members.get(file)) for chain, file, count in manifest.chains}
        self.chains, self.events = len(rows), sum(len(chain_rows) for chain_rows in rows.values())
        heads = self._heads(members.get(HEADS), set(rows))
        if self.key:
            self._check_chains(manifest, rows, heads)
        self._check_seal(manifest, rows)
        self._check_proofs(manifest, rows, members.get(PROOFS))
        if self.public is not None:
            self._check_signed(manifest, rows, members.get(SIGNATURES))

    def _check_chains(self, manifest: _Manifest, rows: dict[str, list[EventRow]], heads: dict[str, Head]) -> None:
        """Every event's HMAC, and each chain against its head: with the trace key only."""
        assert self.key
        broken_from_start = 0
        for chain, file, _ in manifest.chains:
            head = heads.get(chain)
            report = verify_links(self.key, self.links.get(chain, []), {chain: head} if head else {})
            for found in report.breaks:
                self.problem(f"{file}: {found}")
            broken_from_start += any(found.position == 1 for found in report.breaks)
        written = sum(1 for chain_rows in rows.values() if chain_rows)
        if written and broken_from_start == written:
            self.problem("no chain holds from its first event: is the key the one of the server that wrote the bundle?")

    def _check_signed(self, manifest: _Manifest, rows: dict[str, list[EventRow]], content: bytes | None) -> None:
        """With the public key alone: the seal and every later event of its chain signed, each chain's
        lines up to the seal the ones it commits to, and nothing after the seal on the other chains."""
        assert self.public is not None
        seal = manifest.seal
        event = _at(rows.get(seal.chain, []), seal.position)
        if event is None:
            return  # _check_seal has said so
        try:
            written = sealed_from_event(event)
        except ValueError:
            return  # _check_seal has said so
        for problem in check_digests(rows, written):
            self.problem(problem)
        signed: list[Signed] = []
        try:
            data = _load_json(content) if content is not None else None
            if not isinstance(data, list):
                raise ValueError("not a list of signed statements")
            signed = [Signed.from_dict(value) for value in data]
        except (ValueError, RecursionError) as exc:
            self.problem(f"{SIGNATURES}: {exc}")
        for other in sorted({s.chain for s in signed} - {seal.chain}):
            self.problem(f"{SIGNATURES}: signatures for chain {other}, which is not the sealed one")
        mine = [s for s in signed if s.chain == seal.chain]
        for problem in check_signed(rows.get(seal.chain, []), mine, from_position=seal.position, public=self.public):
            self.problem(problem)
        leaves = {leaf.chain: leaf for leaf in seal.leaves}
        for chain, chain_rows in sorted(rows.items()):
            leaf = leaves.get(chain)
            after = [row for row in chain_rows if leaf is not None and row.position > leaf.position]
            if chain != seal.chain and after:
                self.problem(f"chain {chain}: {len(after)} events after the seal, which no signature covers")

    def _members(self, data: bytes) -> dict[str, bytes] | None:
        """Every member of the archive, read into memory within the limits; None when the
        archive cannot be trusted to say what it holds."""
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            self.problem(f"the file is not a readable zip archive ({exc})")
            return None
        with archive:
            infos = archive.infolist()
            if len(infos) > self.max_members:
                self.problem(f"the archive holds {len(infos)} files, more than the limit of {self.max_members}")
                return None
            declared = sum(info.file_size for info in infos)
            if declared > self.max_bytes:
                self.problem(f"the archive would unpack to {declared} bytes, more than the limit of {self.max_bytes}")
                return None
            names = [info.filename for info in infos]
            repeated = sorted({name for name in names if names.count(name) > 1}) if len(set(names)) < len(names) else []
            if repeated:
                self.problem(f"the archive holds several files named {', '.join(repeated)}")
                return None
            members: dict[str, bytes] = {}
            total = 0
            for info in infos:
                if info.is_dir():
                    self.problem(f"{info.filename}: a directory entry; a bundle holds files only")
                    continue
                if not _safe_path(info.filename):
                    self.problem(f"{info.filename!r}: an unsafe file name in the archive")
                    continue
                try:
                    with archive.open(info) as member:
                        content = member.read(self.max_bytes - total + 1)
                except (
                    zipfile.BadZipFile,
                    OSError,
                    EOFError,
                    RuntimeError,
                    NotImplementedError,
                    ValueError,
                    zlib.error,
                ) as exc:
                    self.problem(f"{info.filename}: cannot be read from the archive ({exc})")
                    continue
                total += len(content)
                if total > self.max_bytes:
                    self.problem(f"the archive unpacks to more than the limit of {self.max_bytes} bytes")
                    return None
                members[info.filename] = content
            return members

    def _check_files(self, members: dict[str, bytes], manifest: _Manifest) -> None:
        for path, (sha, size) in sorted(manifest.files.items()):
            content = members.get(path)
            if content is None:
                self.problem(f"{path}: listed in the manifest, missing from the archive")
            elif len(content) != size or hashlib.sha256(content).hexdigest() != sha:
                self.problem(f"{path}: its SHA-256 does not match the manifest")
        for path in sorted(set(members) - set(manifest.files) - {MANIFEST}):
            self.problem(f"{path}: in the archive but not in the manifest")
        for path in (PROOFS, HEADS, SIGNATURES):
            if path not in manifest.files:
                self.problem(f"{path}: not listed in the manifest")
        chain_files: set[str] = set()
        for chain, file, _ in manifest.chains:
            try:
                expected = chain_file(chain)
            except ValueError as exc:
                self.problem(f"{MANIFEST}: {exc}")
                continue
            if file != expected:
                self.problem(f"{MANIFEST}: chain {chain} is in {file}, it belongs in {expected}")
            if file in chain_files:
                self.problem(f"{MANIFEST}: {file} is given for two chains")
            chain_files.add(file)
        for path in sorted(manifest.files):
            if path.startswith(EVENTS_DIR) and path not in chain_files:
                self.problem(f"{path}: not the file of any chain in the manifest")
            elif not path.startswith((EVENTS_DIR, DOCUMENTS_DIR)) and path not in (PROOFS, HEADS, SIGNATURES):
                self.problem(f"{path}: not a file an evidence bundle holds")

    def _events(self, chain: str, file: str, count: int, content: bytes | None) -> list[EventRow]:
        """The events of `file` in the order written; a line that is not a canonically written
        event is reported and left out, so the chain check names the position."""
        if content is None:
            return []
        lines = content.split(b"\n")
        if lines[-1]:
            self.problem(f"{file}: the last line does not end with a newline")
        else:
            lines.pop()
        if len(lines) != count:
            self.problem(f"{file}: holds {len(lines)} lines, the manifest says {count} events")
        rows: list[EventRow] = []
        links = self.links.setdefault(chain, [])
        for number, line in enumerate(lines, start=1):
            where = f"{file} line {number}"
            try:
                text = line.decode("utf-8")
                value = json.loads(text)
                row = _row_from(value)
            except (ValueError, RecursionError) as exc:
                self.problem(f"{where}: not an event ({exc})")
                continue
            if row.line() != text:
                self.problem(f"{where}: chain {row.chain} position {row.position} is not written in canonical form")
            if row.chain != chain:
                self.problem(f"{where}: the event is of chain {row.chain}, the file holds chain {chain}")
            rows.append(row)
            links.append((*row[:2], value["at"], *row[3:]))
        return rows

    def _heads(self, content: bytes | None, chains: set[str]) -> dict[str, Head]:
        if content is None:
            return {}
        try:
            data = _load_json(content)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            heads: dict[str, Head] = {}
            for chain, value in data.items():
                if not isinstance(value, dict) or set(value) != {"chain", "position", "hash", "mac"}:
                    raise ValueError(f"the head of chain {chain} is {value!r}")
                if value["chain"] != chain:
                    raise ValueError(f"the head filed under chain {chain} is of chain {value['chain']!r}")
                position = _count(value["position"], f"the position of the head of chain {chain}")
                hash_, mac = value["hash"], value["mac"]
                # a chain's head exists, empty and without a mac, from just before its first event
                unwritten = position == 0 and mac == ""
                if not is_digest(hash_) or not (is_digest(mac) or unwritten):
                    raise ValueError(f"the head of chain {chain} has no valid hash or mac")
                heads[chain] = Head(chain, position, hash_, mac)
        except (ValueError, RecursionError) as exc:
            self.problem(f"{HEADS}: {exc}")
            return {}
        for chain in sorted(set(heads) - chains):
            self.problem(f"{HEADS}: a head for chain {chain}, which the bundle does not include")
        return heads

    def _check_seal(self, manifest: _Manifest, rows: dict[str, list[EventRow]]) -> None:
        seal = manifest.seal
        sitting = seal.chain
        leaves = {leaf.chain: leaf for leaf in seal.leaves}
        problem = _subject_problem(manifest.subject, sitting, set(rows), set(leaves))
        if problem:
            self.problem(f"{MANIFEST}: {problem}")
        if len(leaves) != len(seal.leaves):
            self.problem(f"{MANIFEST}: the seal has several leaves for one chain")
        elif merkle.root(seal.leaves) != seal.root:
            self.problem(f"{MANIFEST}: the root recomputed from the seal's leaves is not the sealed root")
        if sitting not in rows:
            self.problem(f"the sitting chain {sitting}, which carries the seal, is not in the bundle")
            return
        event = _at(rows[sitting], seal.position)
        if event is None:
            self.problem(f"chain {sitting} has no event at position {seal.position}, where the seal should be")
            return
        where = f"chain {sitting} at position {seal.position}"
        try:
            written = sealed_from_event(event)
        except ValueError as exc:
            self.problem(f"{where}: the event is not a seal ({exc})")
            return
        if written.root != seal.root:
            self.problem(f"{where}: the seal event's root is not the manifest's")
        if _sorted_leaves(written.leaves) != _sorted_leaves(seal.leaves):
            self.problem(f"{where}: the seal event's leaves are not the manifest's")
        if format_time(event.at) != manifest.created_at:
            self.problem(f"{MANIFEST}: created_at is not the time of the seal event")
        own = leaves.get(sitting)
        if own is None:
            self.problem(f"{where}: the seal does not cover its own chain")
        elif own.position != seal.position - 1:
            self.problem(f"{where}: the seal covers its own chain at position {own.position}, not just before itself")

    def _check_proofs(self, manifest: _Manifest, rows: dict[str, list[EventRow]], content: bytes | None) -> None:
        leaves = {leaf.chain: leaf for leaf in manifest.seal.leaves}
        proofs: Any = {}
        if content is not None:
            try:
                proofs = _load_json(content)
            except (ValueError, RecursionError) as exc:
                self.problem(f"{PROOFS}: {exc}")
        if not isinstance(proofs, dict):
            self.problem(f"{PROOFS}: not a JSON object")
            proofs = {}
        for chain in sorted(set(proofs) - set(rows)):
            self.problem(f"{PROOFS}: a proof for chain {chain}, which the bundle does not include")
        for chain, chain_rows in rows.items():
            leaf = leaves.get(chain)
            if leaf is None:
                self.problem(f"chain {chain} is not covered by the seal")
                continue
            if leaf.position == 0:
                if leaf.hash != GENESIS:
                    self.problem(f"chain {chain}: sealed empty, with a hash that is not the chain's start")
            else:
                event = _at(chain_rows, leaf.position)
                if event is None:
                    self.problem(f"chain {chain} has no event at position {leaf.position}, which the seal covers")
                elif event.hash != leaf.hash:
                    self.problem(f"chain {chain} at position {leaf.position}: the hash is not the one sealed")
            entry = proofs.get(chain)
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), list):
                self.problem(f"{PROOFS}: no audit path for chain {chain}")
                continue
            if entry.get("leaf") != _leaf_list(leaf):
                self.problem(f"{PROOFS}: the leaf of chain {chain} is not the sealed one")
            path = [tuple(step) if isinstance(step, list) else step for step in entry["path"]]
            if not merkle.verify_proof(leaf, path, manifest.seal.root):
                self.problem(f"{PROOFS}: the audit path of chain {chain} does not lead to the sealed root")


def _at(rows: list[EventRow], position: int) -> EventRow | None:
    if 0 < position <= len(rows) and rows[position - 1].position == position:
        return rows[position - 1]
    return next((row for row in rows if row.position == position), None)


def verify_bundle(
    data: bytes,
    key: bytes | None,
    *,
    public: Ed25519PublicKey | None = None,
    max_members: int = MAX_MEMBERS,
    max_bytes: int = MAX_BYTES,
) -> BundleReport:
    """Check a bundle offline with the trace key, the exam body's public key, or both. Whatever
    `data` holds, the answer is a report, never an exception."""
    check = _Verification(key, public, max_members, max_bytes)
    try:
        check.run(data)
    except Exception as exc:  # a file built to trip an unforeseen path still gets an answer
        check.problem(f"the bundle could not be checked ({type(exc).__name__}: {exc})")
    return BundleReport(ok=not check.problems, problems=check.problems, chains=check.chains, events=check.events)
