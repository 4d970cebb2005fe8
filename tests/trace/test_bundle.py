"""Evidence bundles: a sealed sitting's trace written to a zip verifies offline with the key, and
fails for any changed byte of any event, any removed, added or reordered event, a wrong key,
and a seal or proof that does not hold; a file that is not a bundle gets a report, not an error."""

import hashlib
import io
import json
import random
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examhall.trace.bundle import BundleReport, chain_file, verify_bundle, write_bundle
from examhall.trace.chain import GENESIS, EventRow, Head, canonical_json, event_hash, head_mac
from examhall.trace.merkle import Leaf, root
from examhall.trace.seals import Sealed, Signed, lines_sha256, seal_payload, sealed_from_event, statement
from examhall.trace.signing import Signer

KEY = b"test-trace-key"
EXAM_BODY = Signer(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
SITTING = "sitting:12"
ATTEMPTS = ("attempt:345", "attempt:346", "attempt:347")
START = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)


class Trace:
    """Chains as the service writes them, without a database."""

    def __init__(self, key: bytes = KEY, signer: Signer = EXAM_BODY) -> None:
        self.key = key
        self.signer = signer
        self.chains: dict[str, list[EventRow]] = {}
        self.signatures: list[Signed] = []
        self.sealed: set[str] = set()  # chains sealed: each of their events from the seal on is signed
        self.clock = START

    def record(self, chain: str, action: str, payload: dict[str, object], actor: str = "system") -> EventRow:
        rows = self.chains.setdefault(chain, [])
        self.clock += timedelta(seconds=7, microseconds=1234)
        prev = rows[-1].hash if rows else GENESIS
        fields = {
            "chain": chain,
            "position": len(rows) + 1,
            "at": self.clock,
            "actor": actor,
            "role": "system" if actor == "system" else "proctor",
            "client": "10.0.0.7",
            "action": action,
            "subject": chain,
            "payload": canonical_json(payload),
        }
        row = EventRow(**fields, prev_hash=prev, hash=event_hash(self.key, prev, **fields))  # type: ignore[arg-type]
        rows.append(row)
        if chain in self.sealed:
            self.sign(row)
        return row

    def sign(self, row: EventRow) -> None:
        said = statement(row, lines_sha256(self.chains[row.chain]), self.signer.key_id)
        self.signatures.append(Signed(row.chain, row.position, said, self.signer.sign(said)))

    def heads(self) -> dict[str, Head]:
        return {
            chain: Head(
                chain, rows[-1].position, rows[-1].hash, head_mac(self.key, chain, rows[-1].position, rows[-1].hash)
            )
            for chain, rows in self.chains.items()
        }

    def seal(self, chain: str, chains: list[str]) -> Sealed:
        leaves = [Leaf(c, self.chains[c][-1].position, self.chains[c][-1].hash) for c in chains]
        digests = {c: lines_sha256(self.chains[c]) for c in chains}
        payload = {**seal_payload(root(leaves), leaves, digests), "chief": "王主考", "note": "考场封存"}
        self.sealed.add(chain)
        return sealed_from_event(self.record(chain, "sitting.seal", payload, actor="wang"))


def _sitting(key: bytes = KEY) -> tuple[Trace, Sealed]:
    """A sitting of three candidates, sealed, with corrections after the seal."""
    trace = Trace(key)
    trace.record(SITTING, "sitting.open", {"room": "第一考场", "papers": 3})
    for n, attempt in enumerate(ATTEMPTS):
        trace.record(attempt, "attempt.start", {"seat": n + 1})
        for item in range(4 + n):
            trace.record(attempt, "answer.save", {"item": item, "answer": "B" if item % 2 else "正确"})
        trace.record(SITTING, "proctor.note", {"seat": n + 1, "text": "考生按时入场"}, actor="li")
        trace.record(attempt, "attempt.submit", {"score": 80 + n})
    trace.record(SITTING, "sitting.end", {})
    sealed = trace.seal(SITTING, [SITTING, *ATTEMPTS])
    trace.record(SITTING, "appeal.decided", {"attempt": ATTEMPTS[1], "reason": "复核更正"}, actor="wang")
    trace.record(SITTING, "sitting.note", {"text": "成绩复核一次"}, actor="wang")
    return trace, sealed


DOCUMENTS = {
    "candidate/paper.json": json.dumps({"items": ["矿井总回风巷……"]}, ensure_ascii=False).encode(),
    "score.txt": "总分 81\n".encode(),
}


def _bundle(trace: Trace, sealed: Sealed, subject: str = SITTING, chains: tuple[str, ...] | None = None) -> bytes:
    included = chains or (SITTING, *ATTEMPTS)
    return write_bundle(
        subject=subject,
        seal=sealed,
        chains={chain: trace.chains[chain] for chain in included},
        heads=trace.heads(),
        signatures=trace.signatures,
        documents=DOCUMENTS,
    )


@pytest.fixture(scope="module")
def sitting() -> tuple[Trace, Sealed]:
    return _sitting()


@pytest.fixture(scope="module")
def bundle(sitting: tuple[Trace, Sealed]) -> bytes:
    return _bundle(*sitting)


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _forge(files: dict[str, bytes]) -> bytes:
    """The bundle with its manifest brought up to date with the files, as someone changing
    the files would do: sizes, sums and event counts."""
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = [
        {"path": path, "sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
        for path, content in sorted(files.items())
        if path != "manifest.json"
    ]
    for entry in manifest["chains"]:
        entry["events"] = files[entry["file"]].count(b"\n")
    return _zip({**files, "manifest.json": json.dumps(manifest).encode()})


def _failed(report: BundleReport) -> bool:
    assert not report.ok and report.problems
    assert not any("could not be checked" in problem for problem in report.problems), report.problems
    return True


def _chain_failed(report: BundleReport) -> bool:
    """Failed for what the events say, not for a sum in the manifest."""
    assert _failed(report)
    assert not any("SHA-256" in problem for problem in report.problems), report.problems
    return True


# A bundle as written.


def test_a_sealed_sitting_verifies(sitting: tuple[Trace, Sealed], bundle: bytes) -> None:
    trace, sealed = sitting
    report = verify_bundle(bundle, KEY)
    assert report == BundleReport(ok=True, problems=[], chains=4, events=sum(map(len, trace.chains.values())))

    files = _unzip(bundle)
    assert next(iter(files)) == "manifest.json"
    assert set(files) == {
        "manifest.json",
        "proofs.json",
        "heads.json",
        "signatures.json",
        "events/sitting_12.jsonl",
        "events/attempt_345.jsonl",
        "events/attempt_346.jsonl",
        "events/attempt_347.jsonl",
        "documents/candidate/paper.json",
        "documents/score.txt",
    }
    manifest = json.loads(files["manifest.json"])
    seal_event = trace.chains[SITTING][sealed.position - 1]
    assert manifest["format"] == "examhall-bundle/2" and manifest["subject"] == SITTING
    assert manifest["created_at"] == seal_event.as_dict()["at"]
    assert manifest["seal"] == {
        "chain": SITTING,
        "position": sealed.position,
        "root": sealed.root,
        "leaves": json.loads(seal_event.payload)["leaves"],
    }
    assert {entry["chain"]: entry["events"] for entry in manifest["chains"]} == {
        chain: len(rows) for chain, rows in trace.chains.items()
    }
    assert {entry["path"] for entry in manifest["files"]} == set(files) - {"manifest.json"}
    lines = files["events/attempt_346.jsonl"].decode().splitlines()
    assert [EventRow.from_dict(json.loads(line)) for line in lines] == trace.chains["attempt:346"]
    # the events after the seal are there too, each signed
    after = files["events/sitting_12.jsonl"].decode().splitlines()[sealed.position :]
    assert [json.loads(line)["action"] for line in after] == ["appeal.decided", "sitting.note"]
    signed = json.loads(files["signatures.json"])
    assert [entry["position"] for entry in signed] == [sealed.position, sealed.position + 1, sealed.position + 2]
    assert files["documents/candidate/paper.json"] == DOCUMENTS["candidate/paper.json"]


def test_the_seal_covers_every_chain_as_it_stood(sitting: tuple[Trace, Sealed]) -> None:
    trace, sealed = sitting
    assert sealed.chain == SITTING
    assert trace.chains[SITTING][sealed.position - 1].action == "sitting.seal"
    leaves = {leaf.chain: leaf for leaf in sealed.leaves}
    assert leaves[SITTING].position == sealed.position - 1
    assert leaves["attempt:346"].position == len(trace.chains["attempt:346"])
    assert sealed.digests["attempt:346"] == lines_sha256(trace.chains["attempt:346"])
    assert sealed.root == root(sealed.leaves)


def test_the_same_record_gives_the_same_bytes(sitting: tuple[Trace, Sealed], bundle: bytes) -> None:
    assert _bundle(*sitting) == bundle
    assert _bundle(*_sitting()) == bundle


def test_one_candidate_bundle(sitting: tuple[Trace, Sealed]) -> None:
    data = _bundle(*sitting, subject="attempt:346", chains=(SITTING, "attempt:346"))
    report = verify_bundle(data, KEY)
    assert report.ok, report.problems
    assert report.chains == 2
    proofs = json.loads(_unzip(data)["proofs.json"])
    assert set(proofs) == {SITTING, "attempt:346"}


def test_a_sitting_sealed_before_any_other_event() -> None:
    trace = Trace()
    trace.record("attempt:1", "attempt.start", {})
    leaves = [Leaf("attempt:1", 1, trace.chains["attempt:1"][0].hash), Leaf("sitting:3", 0, GENESIS)]
    digests = {"attempt:1": lines_sha256(trace.chains["attempt:1"]), "sitting:3": lines_sha256([])}
    trace.sealed.add("sitting:3")
    sealed = sealed_from_event(trace.record("sitting:3", "sitting.seal", seal_payload(root(leaves), leaves, digests)))
    assert sealed.position == 1
    data = write_bundle(
        subject="sitting:3",
        seal=sealed,
        chains=dict(trace.chains),
        heads=trace.heads(),
        signatures=trace.signatures,
        documents={},
    )
    assert verify_bundle(data, KEY, public=EXAM_BODY.public).ok


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(st.text(max_size=12), max_size=6), min_size=1, max_size=4),
    st.lists(st.text(max_size=12), max_size=3),
    st.integers(0, 2**31),
)
def test_an_untouched_bundle_always_verifies(attempts: list[list[str]], after: list[str], seed: int) -> None:
    rng = random.Random(seed)
    trace = Trace(key=rng.randbytes(rng.randint(1, 40)))
    trace.clock += timedelta(days=rng.randint(0, 5000), microseconds=rng.randint(0, 10**6))
    names = [f"attempt:{i}" for i in range(len(attempts))]
    trace.record(SITTING, "sitting.open", {})
    for name, answers in zip(names, attempts, strict=True):
        trace.record(name, "attempt.start", {})
        for answer in answers:
            trace.record(name, "answer.save", {"answer": answer, "n": rng.random()})
    sealed = trace.seal(SITTING, [SITTING, *names])
    for text in after:
        trace.record(SITTING, "note", {"text": text})
    chains = [SITTING, *rng.sample(names, rng.randint(1, len(names)))]
    data = write_bundle(
        subject=chains[1],
        seal=sealed,
        chains={chain: trace.chains[chain] for chain in chains},
        heads=trace.heads(),
        signatures=trace.signatures,
        documents={"notes/说明.txt": rng.randbytes(rng.randint(0, 100))},
    )
    report = verify_bundle(data, trace.key, public=EXAM_BODY.public)
    assert report.ok, report.problems
    assert verify_bundle(data, None, public=EXAM_BODY.public).ok
    assert not verify_bundle(data, trace.key + b"x").ok


# What write_bundle refuses.


def test_write_refuses_an_incomplete_or_unsafe_bundle(sitting: tuple[Trace, Sealed]) -> None:
    trace, sealed = sitting

    def write(**changes: object) -> bytes:
        arguments: dict[str, object] = {
            "subject": SITTING,
            "seal": sealed,
            "chains": dict(trace.chains),
            "heads": trace.heads(),
            "signatures": trace.signatures,
            "documents": {},
        }
        return write_bundle(**{**arguments, **changes})  # type: ignore[arg-type]

    write()
    with pytest.raises(ValueError, match="must include the sitting chain"):
        write(subject="attempt:345", chains={"attempt:345": trace.chains["attempt:345"]})
    with pytest.raises(ValueError, match="no event at position"):
        write(seal=replace(sealed, position=99))
    with pytest.raises(ValueError, match="not covered by the seal: attempt:9"):
        write(chains={**trace.chains, "attempt:9": []})
    with pytest.raises(ValueError, match="lacks sealed chains: attempt:347"):
        write(chains={chain: trace.chains[chain] for chain in (SITTING, "attempt:345", "attempt:346")})
    with pytest.raises(ValueError, match="subject attempt:9 is not one of"):
        write(subject="attempt:9")
    with pytest.raises(ValueError, match="events of another chain"):
        write(chains={**trace.chains, "attempt:345": trace.chains["attempt:346"]})
    for name in ("../x", "/etc/passwd", "a//b", "a\\b", "c:/x", "a/./b", "", "a/"):
        with pytest.raises(ValueError, match="not a safe relative path"):
            write(documents={name: b""})
    with pytest.raises(ValueError, match="cannot be a file name"):
        chain_file("attempt/../1")


def test_seal_payload_and_sealed_from_event_agree() -> None:
    leaves = [Leaf("b", 2, "2" * 64), Leaf("a", 1, "1" * 64)]
    digests = {"a": "a" * 64, "b": "b" * 64}
    payload = seal_payload(root(leaves), leaves, digests)
    assert payload == {"root": root(leaves), "leaves": [["a", 1, "1" * 64], ["b", 2, "2" * 64]], "digests": digests}
    with pytest.raises(ValueError, match="not the Merkle root"):
        seal_payload("0" * 64, leaves, digests)
    with pytest.raises(ValueError, match="a digest for every leaf"):
        seal_payload(root(leaves), leaves, {"a": "a" * 64})
    trace = Trace()
    event = trace.record(SITTING, "sitting.seal", {**payload, "other": 1})
    expected = Sealed(SITTING, 1, root(leaves), sorted(leaves, key=lambda leaf: leaf.chain), digests)
    assert sealed_from_event(event) == expected
    bad_payloads: list[dict[str, object]] = [
        {},
        {"root": "x", "leaves": []},
        {"root": "0" * 64},
        {"root": "0" * 64, "leaves": [["a", "1", "0"]]},
        {"root": "0" * 64, "leaves": [["a", True, "0" * 64]]},
        {"root": "0" * 64, "leaves": "a"},
    ]
    for bad in bad_payloads:
        with pytest.raises(ValueError):
            sealed_from_event(trace.record(SITTING, "x", bad))
    with pytest.raises(ValueError, match="not JSON"):
        sealed_from_event(event._replace(payload="{"))
    with pytest.raises(ValueError, match="not a JSON object"):
        sealed_from_event(event._replace(payload="[]"))


# Tampering with the events.


def _event_files(files: dict[str, bytes]) -> list[str]:
    return sorted(name for name in files if name.startswith("events/"))


def test_single_byte_changes_anywhere_in_the_events_fail(bundle: bytes) -> None:
    files = _unzip(bundle)
    rng = random.Random(20260512)
    for _ in range(500):
        name = rng.choice(_event_files(files))
        content = bytearray(files[name])
        at = rng.randrange(len(content))
        content[at] = rng.choice([b for b in range(256) if b != content[at]])
        changed = {**files, name: bytes(content)}
        assert _failed(verify_bundle(_zip(changed), KEY))
        assert _chain_failed(verify_bundle(_forge(changed), KEY)), (name, at)


@pytest.mark.parametrize(
    "field", ["chain", "position", "at", "actor", "role", "client", "action", "subject", "payload", "prev_hash", "hash"]
)
def test_a_change_to_any_field_fails(bundle: bytes, field: str) -> None:
    files = _unzip(bundle)
    rng = random.Random(field)
    for _ in range(30):
        name = rng.choice(_event_files(files))
        lines = files[name].decode().splitlines(keepends=True)
        i = rng.randrange(len(lines))
        line = lines[i]
        start = line.index(f'"{field}":') + len(f'"{field}":')
        value = json.dumps(json.loads(line)[field], ensure_ascii=False)
        assert line[start : start + len(value)] == value
        if field == "position":
            at, replacement = start + rng.randrange(len(value)), rng.choice("0123456789")
        else:  # inside the quotes
            at, replacement = start + rng.randrange(1, len(value) - 1), rng.choice("0123456789abcdefABC:考 ")
        if replacement == line[at]:
            continue
        lines[i] = line[:at] + replacement + line[at + 1 :]
        assert _chain_failed(verify_bundle(_forge({**files, name: "".join(lines).encode()}), KEY)), lines[i]


def test_an_event_written_differently_but_equal_fails(bundle: bytes) -> None:
    """JSON allows many spellings of one event; a bundle holds one, so no byte of it is free."""
    files = _unzip(bundle)
    name = "events/attempt_345.jsonl"
    lines = files[name].decode().splitlines(keepends=True)
    canonical = lines[1].rstrip("\n")
    event = json.loads(canonical)
    assert json.loads(event["payload"])["answer"] == "正确"
    for rewritten in (
        json.dumps(event, ensure_ascii=False),
        json.dumps(event, sort_keys=True, separators=(",", ":")),
        canonical.replace('"action":"answer.save"', '"action":"\\u0061nswer.save"'),
        canonical[:-1] + f',"actor":{json.dumps(event["actor"])}}}',
        canonical_json({**event, "note": ""}),
        canonical + " ",
    ):
        assert rewritten != canonical
        assert EventRow.from_dict(json.loads(rewritten)) == EventRow.from_dict(event)
        changed = {**files, name: "".join([lines[0], rewritten + "\n", *lines[2:]]).encode()}
        report = verify_bundle(_forge(changed), KEY)
        assert _chain_failed(report)
        assert any(problem.startswith(f"{name} line 2") for problem in report.problems), report.problems
    # A time has one spelling too: another is not read as the same time.
    with pytest.raises(ValueError):
        EventRow.from_dict(json.loads(canonical.replace("T09:", "T9:")))
    changed = {**files, name: "".join([lines[0], canonical.replace("T09:", "T9:") + "\n", *lines[2:]]).encode()}
    report = verify_bundle(_forge(changed), KEY)
    assert _chain_failed(report) and any(p.startswith(f"{name} line 2: not an event") for p in report.problems)


def test_removed_added_and_reordered_events_fail(bundle: bytes) -> None:
    files = _unzip(bundle)
    rng = random.Random(7)
    forged = Trace(b"not-the-key")
    forged.record("attempt:345", "answer.save", {"answer": "A"})
    for _ in range(150):
        name = rng.choice(_event_files(files))
        lines = files[name].splitlines(keepends=True)
        other = files[rng.choice(_event_files(files))].splitlines(keepends=True)
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        kind = rng.choice(["delete", "duplicate", "insert other", "insert forged", "swap", "move", "truncate", "blank"])
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(j, lines[i])
        elif kind == "insert other":
            lines.insert(i, rng.choice(other))
        elif kind == "insert forged":
            lines.insert(i, canonical_json(forged.chains["attempt:345"][0].as_dict()).encode() + b"\n")
        elif kind == "swap":
            if lines[i] == lines[j]:
                continue
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "move":
            lines.insert(j, lines.pop(i))
            if i == j:
                continue
        elif kind == "truncate":
            lines = lines[:i]
        else:
            lines.insert(i, b"\n")
        changed = {**files, name: b"".join(lines)}
        assert _failed(verify_bundle(_zip(changed), KEY))
        assert _chain_failed(verify_bundle(_forge(changed), KEY)), (kind, name, i, j)


def test_a_chain_cut_back_below_the_seal_fails_even_with_a_genuine_older_head(sitting: tuple[Trace, Sealed]) -> None:
    """The head's mac stops cuts of the end of a chain; an older head is genuine too, and only
    the seal shows that the chain once went further."""
    trace, sealed = sitting
    cut = trace.chains["attempt:345"][:-2]
    heads = {
        **trace.heads(),
        "attempt:345": Head(
            "attempt:345", len(cut), cut[-1].hash, head_mac(KEY, "attempt:345", len(cut), cut[-1].hash)
        ),
    }
    data = write_bundle(
        subject=SITTING,
        seal=sealed,
        chains={**trace.chains, "attempt:345": cut},
        heads=heads,
        signatures=trace.signatures,
        documents={},
    )
    report = verify_bundle(data, KEY)
    assert _chain_failed(report)
    sealed_at = len(cut) + 2
    assert report.problems == [f"chain attempt:345 has no event at position {sealed_at}, which the seal covers"]
    report = verify_bundle(data, None, public=EXAM_BODY.public)
    assert f"chain attempt:345: its first {sealed_at} events are not the ones sealed" in report.problems


def test_a_wrong_key_fails(bundle: bytes) -> None:
    report = verify_bundle(bundle, b"another-servers-key")
    assert _chain_failed(report)
    for file in ("sitting_12", "attempt_345", "attempt_346", "attempt_347"):
        assert any(problem.startswith(f"events/{file}.jsonl: chain") for problem in report.problems)
    assert any(problem.startswith("no chain holds from its first event") for problem in report.problems)
    report = verify_bundle(bundle, b"")
    assert not report.ok and "neither the exam body's public key nor the trace key" in report.problems[0]


# Tampering with the rest of the bundle.


def _manifest_changed(bundle: bytes, change: Callable[[dict[str, Any]], object]) -> BundleReport:
    files = _unzip(bundle)
    manifest = json.loads(files["manifest.json"])
    change(manifest)
    return verify_bundle(_zip({**files, "manifest.json": json.dumps(manifest).encode()}), KEY)


def test_a_changed_manifest_fails(bundle: bytes) -> None:
    other = "f" * 64
    changes: dict[str, Callable[[dict[str, Any]], object]] = {
        "format": lambda m: m.update(format="examhall-bundle/1"),
        "subject": lambda m: m.update(subject="attempt:999"),
        "created_at": lambda m: m.update(created_at="2026-05-12T09:00:00.000000Z"),
        "root": lambda m: m["seal"].update(root=other),
        "seal position": lambda m: m["seal"].update(position=m["seal"]["position"] - 1),
        "seal chain": lambda m: m["seal"].update(chain="attempt:345"),
        "a leaf": lambda m: m["seal"]["leaves"][1].__setitem__(2, other),
        "a leaf dropped": lambda m: m["seal"]["leaves"].pop(),
        "a leaf added": lambda m: m["seal"]["leaves"].append(["attempt:9", 1, other]),
        "a chain dropped": lambda m: m["chains"].pop(),
        "a chain's file": lambda m: m["chains"][0].update(file="events/x.jsonl"),
        "an event count": lambda m: m["chains"][0].update(events=m["chains"][0]["events"] + 1),
        "a file's sum": lambda m: m["files"][0].update(sha256=other),
        "a file's size": lambda m: m["files"][0].update(bytes=m["files"][0]["bytes"] - 1),
        "a file dropped": lambda m: m["files"].pop(),
        "a file added": lambda m: m["files"].append({"path": "documents/x", "sha256": other, "bytes": 1}),
        "no files": lambda m: m.pop("files"),
        "not an object": lambda m: m.clear(),
    }
    for what, change in changes.items():
        report = _manifest_changed(bundle, change)
        assert _failed(report), what


def test_changed_proofs_heads_and_documents_fail(sitting: tuple[Trace, Sealed], bundle: bytes) -> None:
    files = _unzip(bundle)
    proofs = json.loads(files["proofs.json"])
    heads = json.loads(files["heads.json"])

    def forged(name: str, value: object) -> BundleReport:
        return verify_bundle(_forge({**files, name: json.dumps(value).encode()}), KEY)

    step = proofs["attempt:346"]["path"][0]
    for path in ([[("L" if step[0] == "R" else "R"), step[1]], *proofs["attempt:346"]["path"][1:]], [], None):
        assert _chain_failed(forged("proofs.json", {**proofs, "attempt:346": {**proofs["attempt:346"], "path": path}}))
    assert _chain_failed(forged("proofs.json", {k: v for k, v in proofs.items() if k != "attempt:347"}))
    assert _chain_failed(forged("proofs.json", {**proofs, "attempt:9": proofs["attempt:346"]}))
    leaf = proofs["attempt:345"]["leaf"]
    assert _chain_failed(
        forged("proofs.json", {**proofs, "attempt:345": {**proofs["attempt:345"], "leaf": [*leaf[:2], "0" * 64]}})
    )
    assert _chain_failed(forged("proofs.json", []))

    head = heads["attempt:346"]
    for changed in (
        {**head, "mac": "0" * 64},
        {**head, "position": head["position"] - 1},
        {**head, "hash": "0" * 64},
        {**head, "chain": "attempt:345"},
        {**head, "mac": "根" * 64},
        None,
    ):
        assert _chain_failed(forged("heads.json", {**heads, "attempt:346": changed}))
    assert _chain_failed(forged("heads.json", {k: v for k, v in heads.items() if k != "attempt:346"}))
    assert _chain_failed(forged("heads.json", {**heads, "attempt:9": head}))

    report = verify_bundle(_zip({**files, "documents/score.txt": "总分 100\n".encode()}), KEY)
    assert report.problems == ["documents/score.txt: its SHA-256 does not match the manifest"]
    report = verify_bundle(_zip({**files, "documents/extra.txt": b"x"}), KEY)
    assert report.problems == ["documents/extra.txt: in the archive but not in the manifest"]
    report = verify_bundle(_zip({k: v for k, v in files.items() if k != "heads.json"}), KEY)
    assert "heads.json: listed in the manifest, missing from the archive" in report.problems


# Files that are not bundles.


def test_not_a_bundle_gets_a_report(bundle: bytes) -> None:
    files = _unzip(bundle)
    for data, expected in (
        (b"", "not a readable zip archive"),
        (b"%PDF-1.7\n", "not a readable zip archive"),
        (bundle[: len(bundle) // 2], "not a readable zip archive"),
        (_zip({"readme.txt": b"hello"}), "manifest.json is missing"),
        (_zip({"manifest.json": b"\xff\xfe"}), "manifest.json: "),
        (_zip({"manifest.json": b"[1, 2]"}), "manifest.json: not a JSON object"),
        (_zip({"manifest.json": b'{"format": "a", "format": "examhall-bundle/1"}'}), "a key is repeated"),
        (_zip({**files, "manifest.json": b"[" * 100_000}), "manifest.json: "),
        (_zip({"../../etc/cron.d/x": b"", **files}), "unsafe file name"),
    ):
        report = verify_bundle(data, KEY)
        assert _failed(report)
        assert any(expected in problem for problem in report.problems), (expected, report.problems)


def test_repeated_member_names_are_refused(bundle: bytes) -> None:
    files = _unzip(bundle)
    buffer = io.BytesIO()
    with pytest.warns(UserWarning), zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr("events/attempt_345.jsonl", b"")
    report = verify_bundle(buffer.getvalue(), KEY)
    assert report.problems == ["the archive holds several files named events/attempt_345.jsonl"]


def _declaring(data: bytes, size: int) -> bytes:
    """A one-member archive that states `size` as its member's unpacked size."""
    out = bytearray(data)
    local, central = out.index(b"PK\x03\x04"), out.index(b"PK\x01\x02")
    out[local + 22 : local + 26] = out[central + 24 : central + 28] = size.to_bytes(4, "little")
    return bytes(out)


def test_zip_bombs_are_not_unpacked() -> None:
    zeros = _zip({"manifest.json": bytes(4 << 20)})
    assert len(zeros) < 10_000
    report = verify_bundle(_declaring(zeros, 600 << 20), KEY)
    assert report.problems == [f"the archive would unpack to {600 << 20} bytes, more than the limit of {512 << 20}"]
    report = verify_bundle(zeros, KEY, max_bytes=1 << 20)
    assert report.problems == [f"the archive would unpack to {4 << 20} bytes, more than the limit of {1 << 20}"]
    # a member that understates its size is read only as far as it says, and then fails its CRC
    report = verify_bundle(_declaring(zeros, 100), KEY)
    assert len(report.problems) == 2
    assert report.problems[0].startswith("manifest.json: cannot be read from the archive (Bad CRC-32")
    assert report.problems[1] == "manifest.json is missing: this is not an examhall evidence bundle"

    many = _zip({f"documents/{i}": b"" for i in range(50)})
    report = verify_bundle(many, KEY, max_members=40)
    assert report.problems == ["the archive holds 50 files, more than the limit of 40"]


def test_damaged_archives_get_a_report_never_an_exception(bundle: bytes) -> None:
    rng = random.Random(99)
    for _ in range(300):
        data = bytearray(bundle)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data))
            data[at] = rng.randrange(256)
        report = verify_bundle(bytes(data), KEY)
        assert isinstance(report, BundleReport)
        assert not any("could not be checked" in problem for problem in report.problems), report.problems


# With the exam body's public key alone: what an auditor without the trace key can check.


ANOTHER_BODY = Signer(Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33))))


def test_a_bundle_verifies_with_the_public_key_alone(sitting: tuple[Trace, Sealed], bundle: bytes) -> None:
    report = verify_bundle(bundle, None, public=EXAM_BODY.public)
    assert report.ok, report.problems
    assert report.chains == 4


def test_a_bundle_resigned_with_another_key_fails(bundle: bytes) -> None:
    """Someone who changes an event and signs everything again with a key of their own gets a
    bundle that the exam body's public key refuses; only the other key accepts it."""
    files = _unzip(bundle)
    name = "events/attempt_346.jsonl"
    lines = files[name].decode().splitlines(keepends=True)
    row = json.loads(lines[2])
    row["payload"] = row["payload"].replace("正确", "错误") if "正确" in row["payload"] else '{"answer":"A"}'
    lines[2] = canonical_json(row) + "\n"
    changed = {**files, name: "".join(lines).encode()}
    report = verify_bundle(_forge(changed), None, public=EXAM_BODY.public)
    assert not report.ok
    assert f"chain attempt:346: its first {len(lines)} events are not the ones sealed" in report.problems

    # The forger also rewrites the seal's digests and signs every statement again, with their key.
    sitting_lines = changed["events/sitting_12.jsonl"].decode().splitlines(keepends=True)
    manifest = json.loads(files["manifest.json"])
    position = manifest["seal"]["position"]
    seal = json.loads(sitting_lines[position - 1])
    payload = json.loads(seal["payload"])
    payload["digests"]["attempt:346"] = hashlib.sha256("".join(lines).encode()).hexdigest()
    seal["payload"] = canonical_json(payload)
    sitting_lines[position - 1] = canonical_json(seal) + "\n"
    rows = [EventRow.from_dict(json.loads(line)) for line in sitting_lines]
    resigned = []
    for entry in json.loads(files["signatures.json"]):
        said = statement(rows[entry["position"] - 1], lines_sha256(rows[: entry["position"]]), ANOTHER_BODY.key_id)
        resigned.append(Signed(SITTING, entry["position"], said, ANOTHER_BODY.sign(said)).as_dict())
    forged = {
        **changed,
        "events/sitting_12.jsonl": "".join(sitting_lines).encode(),
        "signatures.json": json.dumps(resigned).encode(),
    }
    assert verify_bundle(_forge(forged), None, public=ANOTHER_BODY.public).ok
    report = verify_bundle(_forge(forged), None, public=EXAM_BODY.public)
    assert not report.ok
    assert any(f"signed with key {ANOTHER_BODY.key_id}, not the exam body's key" in p for p in report.problems)
    # The key id is the forger's to write too: with the exam body's id the signature itself fails.
    for entry in resigned:
        entry["statement"]["key_id"] = EXAM_BODY.key_id
    forged["signatures.json"] = json.dumps(resigned).encode()
    report = verify_bundle(_forge(forged), None, public=EXAM_BODY.public)
    assert any("does not verify with the exam body's public key" in p for p in report.problems)


def test_events_after_the_seal_must_be_signed(bundle: bytes) -> None:
    files = _unzip(bundle)
    signed = json.loads(files["signatures.json"])
    for cut in (signed[:-1], signed[1:]):
        report = verify_bundle(
            _forge({**files, "signatures.json": json.dumps(cut).encode()}), None, public=EXAM_BODY.public
        )
        assert any("not signed, though the chain is sealed" in p for p in report.problems), report.problems
    # the last event after the seal cut off, its signature kept: the cut is found
    name = "events/sitting_12.jsonl"
    lines = files[name].decode().splitlines(keepends=True)
    report = verify_bundle(_forge({**files, name: "".join(lines[:-1]).encode()}), None, public=EXAM_BODY.public)
    assert any("a signed event is missing (the chain was cut back)" in p for p in report.problems), report.problems
    # an event put on an attempt's chain after the seal is covered by nothing
    attempt = "events/attempt_345.jsonl"
    extra = json.loads(files[attempt].decode().splitlines()[-1])
    extra.update(position=extra["position"] + 1, prev_hash=extra["hash"], action="answers.saved")
    added = files[attempt] + (canonical_json(extra) + "\n").encode()
    report = verify_bundle(_forge({**files, attempt: added}), None, public=EXAM_BODY.public)
    assert "chain attempt:345: 1 events after the seal, which no signature covers" in report.problems
