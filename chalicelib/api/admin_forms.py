"""The admin's forms: whom to sign out everywhere."""

from __future__ import annotations

from pydantic import EmailStr

from chalicelib.domain.fields import InputModel


class SignOutEverywhere(InputModel):
    email: EmailStr
