"""What the reliability suites share."""

import pytest
from argon2 import PasswordHasher

from examhall.accounts import service as accounts


@pytest.fixture(autouse=True)
def _quick_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Passwords hashed at argon2's lowest cost: these suites test what examhall answers, not the
    hashing, and their worlds of staff and logins would otherwise take seconds. (A hash carries
    its own parameters, so the hashes made here still verify.)"""
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", hasher)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", hasher.hash("not a password"))
