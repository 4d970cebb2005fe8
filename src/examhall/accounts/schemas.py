from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class SessionOut(BaseModel):
    username: str
    role: str
    csrf_token: str


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    disabled: bool
    created_at: datetime


class UserCreate(BaseModel):
    username: str = Field(max_length=64)
    display_name: str = Field("", max_length=100)
    role: str
    password: str = Field(max_length=256)


class UserUpdate(BaseModel):
    role: str | None = None
    disabled: bool | None = None


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


class PasswordReset(BaseModel):
    new_password: str = Field(max_length=256)
