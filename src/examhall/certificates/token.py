"""The text a certificate's QR code holds: the certificate's facts, signed with the exam body's
Ed25519 key, so that anyone with the public key can check it offline and a changed character
fails. The QR holds the public check page's address with the text in it, so a phone's camera
opens the check directly:  <public url>/verify?c=EHC1.<payload>.<signature>  (both base64url)."""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from examhall.trace.chain import canonical_json
from examhall.trace.signing import Signer

PREFIX = "EHC1"
FIELDS = ("i", "n", "h", "k", "c", "f", "u", "r")  # id, number, holder, kind, category, first issued, until, revision


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make(signer: Signer, facts: dict[str, Any]) -> str:
    body = canonical_json(facts).encode()
    return f"{PREFIX}.{_b64(body)}.{_b64(signer.private.sign(body))}"


def qr_text(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/verify?c={token}"


@dataclass(frozen=True)
class Checked:
    facts: dict[str, Any] | None  # None: the text is not a certificate this key signed
    problem: str = ""  # in English, for the CLI and the log


def extract(text: str) -> str:
    """The token from what a scanner reads: the whole address, or the token alone."""
    text = text.strip()
    if "?" in text and "c=" in text:
        found = parse_qs(urlsplit(text).query).get("c")
        if found:
            return found[0].strip()
    return text


def check(public: Ed25519PublicKey, text: str) -> Checked:
    parts = extract(text).split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        return Checked(None, f"not a certificate code (it should start with {PREFIX}. and have three parts)")
    try:
        body, signature = _unb64(parts[1]), _unb64(parts[2])
    except (binascii.Error, ValueError):
        return Checked(None, "the code is damaged (not base64url)")
    if _b64(body) != parts[1] or _b64(signature) != parts[2]:
        # base64 ignores the spare bits of a last character: a change there must fail too
        return Checked(None, "the code is damaged (not in its one canonical spelling)")
    try:
        public.verify(signature, body)
    except InvalidSignature:
        return Checked(None, "the signature does not match: the code was changed or not signed by this exam body")
    facts = json.loads(body)
    if not isinstance(facts, dict) or sorted(facts) != sorted(FIELDS):
        return Checked(None, "the signed code does not hold a certificate's fields")
    return Checked(facts)
