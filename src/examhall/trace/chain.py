"""Hash chains without a database: the canonical form of an event, its HMAC, and the check of
a whole chain. The service feeds it rows from the database; an evidence bundle feeds it rows
from a file, so a bundle verifies offline with nothing but the key."""

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def format_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class EventRow:
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

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "EventRow":
        at = datetime.strptime(d["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
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
    message = canonical_json(
        {
            "chain": chain,
            "position": position,
            "at": format_time(at),
            "actor": actor,
            "role": role,
            "client": client,
            "action": action,
            "subject": subject,
            "payload": payload,
        }
    )
    return hmac.new(key, prev_hash.encode() + message.encode(), hashlib.sha256).hexdigest()


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


def _check_chain(key: bytes, chain: str, rows: list[EventRow], head: Head | None) -> Break | None:
    prev = GENESIS
    for expected, row in enumerate(rows, start=1):
        if row.position != expected:
            if row.position > expected:
                return Break(
                    chain,
                    expected,
                    f"an event is missing here (found position {row.position})",
                    f"此处缺少记录（实际为第 {row.position} 条）",
                )
            return Break(
                chain,
                expected,
                f"an extra event (found position {row.position})",
                f"此处多出记录（实际为第 {row.position} 条）",
            )
        if row.prev_hash != prev:
            return Break(chain, expected, "the link to the previous event is broken", "与上一条记录的链接断开")
        recomputed = event_hash(
            key,
            prev,
            chain=chain,
            position=row.position,
            at=row.at,
            actor=row.actor,
            role=row.role,
            client=row.client,
            action=row.action,
            subject=row.subject,
            payload=row.payload,
        )
        if not hmac.compare_digest(recomputed, row.hash):
            return Break(
                chain, expected, "the event's content does not match its hash", "记录内容与其哈希不符，已被改动"
            )
        prev = row.hash
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


def _by_chain(rows: Iterable[EventRow]) -> Iterator[tuple[str, list[EventRow]]]:
    chain: str | None = None
    batch: list[EventRow] = []
    for row in rows:
        if row.chain != chain:
            if chain is not None:
                yield chain, batch
            chain, batch = row.chain, []
        batch.append(row)
    if chain is not None:
        yield chain, batch


def verify(key: bytes, rows: Iterable[EventRow], heads: dict[str, Head]) -> Report:
    """Check every chain in `rows` (ordered by chain, then position) against `heads`.
    A head whose chain has no rows is a chain whose events were all removed."""
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
