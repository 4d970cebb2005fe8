"""What the certificates API returns and takes."""

from datetime import date

from pydantic import BaseModel, Field


class CheckIn(BaseModel):
    code: str = Field(max_length=2000, description="what a certificate's QR code holds")


class PublicCertificateOut(BaseModel):
    """No more than the certificate shows, its numbers masked."""

    number: str
    holder: str
    item: str
    first_issued_on: date
    valid_until: date
    next_review_on: date | None
    issuer: str


class CheckOut(BaseModel):
    standing: str = Field(description="valid, expired, suspended, revoked, unknown or unverified")
    standing_zh: str
    outdated: bool = Field(description="the code is of an earlier printing; the certificate changed since")
    certificate: PublicCertificateOut | None


class CertificateOut(BaseModel):
    id: int
    number: str
    holder: str
    id_number: str
    kind: str
    category: str
    operation_item: str
    first_issued_on: date | None
    issued_on: date
    valid_until: date
    next_review_on: date | None
    issuer: str
    state: str
    standing: str
    origin: str
    intact: bool = Field(description="the row is what its chain derives")
    problems: list[str]


class IssueIn(BaseModel):
    expected: int = Field(ge=1, le=100_000, description="the number of certificates the administrator confirmed")


class IssuedOut(BaseModel):
    issued: list[int]
