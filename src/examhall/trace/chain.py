"""Hash chains without a database: the canonical form of an event, its HMAC, and the check of
a whole chain. The service feeds it rows from the database; an evidence bundle feeds it rows
from a file, so a bundle verifies offline with nothing but the key."""

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any, NamedTuple, TypeGuard

GENESIS = "0" * 64
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
_DIGEST = re.compile(r"[0-9a-f]{64}")


def is_digest(value: Any) -> TypeGuard[str]:
    """A SHA-256 digest in lower-case hex, as every hash of the trace is written."""
    return isinstance(value, str) and _DIGEST.fullmatch(value) is not None


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def format_time(at: datetime) -> str:
    """2026-12-06T08:00:00.000000Z: the one spelling of a moment that events are hashed with."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def parse_time(text: str) -> datetime:
    """A time written by format_time, and only that spelling."""
    if _TIME.fullmatch(text) is None:
        raise ValueError(f"time data {text!r} is not written as 2026-12-06T08:00:00.000000Z")
    return datetime.fromisoformat(text)


class EventRow(NamedTuple):
    """One event as stored. A named tuple: verification makes one of every event it reads."""

    chain: str
    position: int
    at: datetime
    actor: str
    role: str
    client: str
    action: str
    subject: str
    payload: str
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        """The form an evidence bundle stores."""
        return {
            "chain": self.chain,
            "position": self.position,
            "at": format_time(self.at),
            "actor": self.actor,
            "role": self.role,
            "client": self.client,
            "action": self.action,
            "subject": self.subject,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }

    def line(self) -> str:
        """canonical_json(self.as_dict()), the line a bundle holds, written out by hand (keys
        sorted, no spaces): a bundle is written and checked line by line."""
        q = encode_basestring
        return "".join(
            (
                '{"action":',
                q(self.action),
                ',"actor":',
                q(self.actor),
                ',"at":"',
                format_time(self.at),
                '","chain":',
                q(self.chain),
                ',"client":',
                q(self.client),
                ',"hash":',
                q(self.hash),
                ',"payload":',
                q(self.payload),
                ',"position":',
                str(self.position),
                ',"prev_hash":',
                q(self.prev_hash),
                ',"role":',
                q(self.role),
                ',"subject":',
                q(self.subject),
                "}",
            )
        )

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "EventRow":
        at = parse_time(d["at"])
        return cls(
            d["chain"],
            int(d["position"]),
            at,
            d["actor"],
            d["role"],
            d["client"],
            d["action"],
            d["subject"],
            d["payload"],
            d["prev_hash"],
            d["hash"],
        )


def event_hash(
    key: bytes,
    prev_hash: str,
    *,
    chain: str,
    position: int,
    at: datetime,
    actor: str,
    role: str,
    client: str,
    action: str,
    subject: str,
    payload: str,
) -> str:
    return _hash(key, prev_hash, chain, position, format_time(at), actor, role, client, action, subject, payload)


def _hash(
    key: bytes,
    prev_hash: str,
    chain: str,
    position: int,
    at: str,
    actor: str,
    role: str,
    client: str,
    action: str,
    subject: str,
    payload: str,
) -> str:
    """The event's HMAC over the previous hash and the canonical JSON of its fields (keys sorted,
    no spaces, text as it is). Written out by hand because verification runs it for every event
    of the trace: it is the text canonical_json makes of the dict, without making the dict."""
    q = encode_basestring
    message = "".join(
        (
            prev_hash,
            '{"action":',
            q(action),
            ',"actor":',
            q(actor),
            ',"at":"',
            at,  # format_time's spelling needs no escaping
            '","chain":',
            q(chain),
            ',"client":',
            q(client),
            ',"payload":',
            q(payload),
            ',"position":',
            str(position),
            ',"role":',
            q(role),
            ',"subject":',
            q(subject),
            "}",
        )
    )
    mac = _keyed(key).copy()
    mac.update(message.encode())
    return mac.hexdigest()


@lru_cache(maxsize=8)
def _keyed(key: bytes) -> "hmac.HMAC":
    """The HMAC state after the key, copied for each event rather than set up again."""
    return hmac.new(key, digestmod=hashlib.sha256)


def head_mac(key: bytes, chain: str, position: int, hash_: str) -> str:
    return hmac.new(key, f"head\x00{chain}\x00{position}\x00{hash_}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Head:
    chain: str
    position: int
    hash: str
    mac: str


@dataclass(frozen=True)
class Break:
    """Where a chain stops being what was written."""

    chain: str
    position: int
    reason: str
    reason_zh: str

    def __str__(self) -> str:
        return f"chain {self.chain} at position {self.position}: {self.reason}"


@dataclass
class Report:
    chains: int = 0
    events: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks


# An event as verification reads it: EventRow's fields in their order, the time already in the
# spelling it is hashed in. Plain tuples, because verification reads the whole trace.
Link = tuple[str, int, str, str, str, str, str, str, str, str, str]


def links(rows: Iterable[EventRow]) -> Iterator[Link]:
    for r in rows:
        yield (
            r.chain,
            r.position,
            format_time(r.at),
            r.actor,
            r.role,
            r.client,
            r.action,
            r.subject,
            r.payload,
            r.prev_hash,
            r.hash,
        )


def _check_chain(key: bytes, chain: str, rows: list[Link], head: Head | None) -> Break | None:
    prev = GENESIS
    for expected, (_, position, at, actor, role, client, action, subject, payload, prev_hash, digest) in enumerate(
        rows, start=1
    ):
        if position != expected:
            if position > expected:
                return Break(
                    chain,
                    expected,
                    f"an event is missing here (found position {position})",
                    f"此处缺少记录（实际为第 {position} 条）",
                )
            return Break(
                chain,
                expected,
                f"an extra event (found position {position})",
                f"此处多出记录（实际为第 {position} 条）",
            )
        if prev_hash != prev:
            return Break(chain, expected, "the link to the previous event is broken", "与上一条记录的链接断开")
        recomputed = _hash(key, prev, chain, position, at, actor, role, client, action, subject, payload)
        if not hmac.compare_digest(recomputed, digest):
            return Break(
                chain, expected, "the event's content does not match its hash", "记录内容与其哈希不符，已被改动"
            )
        prev = digest
    last = len(rows)
    if head is None:
        return Break(chain, last, "the chain has no head record", "缺少链头记录") if rows else None
    if head.position != last or head.hash != prev:
        return Break(
            chain,
            min(head.position, last + 1) or 1,
            f"the head says {head.position} events, the chain holds {last}",
            f"链头记载 {head.position} 条记录，链中实有 {last} 条",
        )
    if not hmac.compare_digest(head_mac(key, chain, head.position, head.hash), head.mac):
        return Break(chain, last, "the head record was altered", "链头记录被改动")
    return None


def _by_chain(rows: Iterable[Link]) -> Iterator[tuple[str, list[Link]]]:
    chain: str | None = None
    batch: list[Link] = []
    for row in rows:
        if row[0] != chain:
            if chain is not None:
                yield chain, batch
            chain, batch = row[0], []
        batch.append(row)
    if chain is not None:
        yield chain, batch


def verify(key: bytes, rows: Iterable[EventRow], heads: dict[str, Head]) -> Report:
    """Check every chain in `rows` (ordered by chain, then position) against `heads`.
    A head whose chain has no rows is a chain whose events were all removed."""
    return verify_links(key, links(rows), heads)


def verify_links(key: bytes, rows: Iterable[Link], heads: dict[str, Head]) -> Report:
    """verify, for events read as links (the whole trace, streamed from the database)."""
    report = Report()
    seen: set[str] = set()
    for chain, chain_rows in _by_chain(rows):
        seen.add(chain)
        report.chains += 1
        report.events += len(chain_rows)
        found = _check_chain(key, chain, chain_rows, heads.get(chain))
        if found:
            report.breaks.append(found)
    for chain, head in sorted(heads.items()):
        if chain not in seen and head.position > 0:
            report.chains += 1
            report.breaks.append(
                Break(
                    chain,
                    1,
                    f"the head says {head.position} events, the chain holds none",
                    f"链头记载 {head.position} 条记录，链中一条也没有",
                )
            )
    report.breaks.sort(key=lambda b: (b.chain, b.position))
    return report
