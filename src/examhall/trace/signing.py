"""The exam body's signature: an Ed25519 key that signs every seal and every later anchor, so
that anyone holding the public key can check them and nobody without the private key can make
one. The HMAC trace key keeps the chains; this key makes their seals checkable by outsiders.

The private key lives in a PEM file (EXAMHALL_SIGNING_KEY_FILE) readable by the service only; the
public key is served at PUBLIC_KEY_PATH and printed on every sitting record."""

import base64
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session

from examhall.trace.chain import canonical_json

PUBLIC_KEY_PATH = "/.well-known/examhall-signing-key.pem"
log = logging.getLogger("examhall")


class KeyProblem(Exception):
    """A key file that cannot be used; the message names the file and what is wrong."""


def key_id(public: Ed25519PublicKey) -> str:
    """A short fingerprint people compare by eye: the first 16 hex digits of the raw key's SHA-256."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@dataclass(frozen=True)
class Signer:
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    def sign(self, statement: dict[str, Any]) -> str:
        return base64.b64encode(self.private.sign(canonical_json(statement).encode())).decode()


def create_key(path: Path) -> Signer:
    """A new key in a new file, readable by its owner only; an existing file is never replaced."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyProblem(f"{path} exists already; a signing key is never overwritten") from None
    except OSError as exc:
        raise KeyProblem(f"cannot write {path}: {exc.strerror}") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return Signer(private)


def load_key(path: Path) -> Signer:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyProblem(f"cannot read the signing key {path}: {exc.strerror}") from None
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyProblem(f"{path} is not an unencrypted PEM private key ({exc})") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyProblem(f"{path} holds a {type(private).__name__}, not an Ed25519 key")
    return Signer(private)


def load_public(data: bytes, *, source: str) -> Ed25519PublicKey:
    """A public key from PEM (what PUBLIC_KEY_PATH serves); a private key file gives its public part."""
    try:
        public: Any = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        try:
            public = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError):
            raise KeyProblem(f"{source} is not a PEM public key") from None
    if not isinstance(public, Ed25519PublicKey):
        raise KeyProblem(f"{source} holds a {type(public).__name__}, not an Ed25519 key")
    return public


def verify(public: Ed25519PublicKey, statement: dict[str, Any], signature: str) -> bool:
    try:
        public.verify(base64.b64decode(signature, validate=True), canonical_json(statement).encode())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


class KeyFile:
    """Where the service's key is, loaded once per process on first use; in development a missing
    file is made on the spot, so that a demo can seal. Sessions share one KeyFile through their info."""

    def __init__(self, path: str, *, create: bool) -> None:
        self.path = Path(path)
        self.create = create
        self._signer: Signer | None = None

    def signer(self) -> Signer:
        if self._signer is None:
            if self.create and not self.path.exists():
                self._signer = create_key(self.path)
                log.warning(
                    "made a new signing key in %s (key id %s); `examhall key create` makes production keys",
                    self.path,
                    self._signer.key_id,
                )
            else:
                self._signer = load_key(self.path)
        return self._signer


def signer(db: Session) -> Signer:
    key_file: KeyFile = db.info["signing"]
    return key_file.signer()
