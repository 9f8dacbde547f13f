"""A worker joining the service: the input model the JSON API and the HR form share.

Pure Python (no AWS, no I/O). Their certificates are `domain.clearance_records`.
"""

from __future__ import annotations

from pydantic import EmailStr, model_validator

from chalicelib.domain.fields import InputModel, Name, OptionalPhone, one_line
from chalicelib.domain.identity import normalise_email

ROLE_MAX = 80
DEFAULT_WORKER_ROLE = "Family contact worker"

JobRole = one_line(ROLE_MAX)


class NewWorker(InputModel):
    """A contact worker joining the service (their clearances are recorded one by one)."""

    name: Name
    email: EmailStr
    role: JobRole = DEFAULT_WORKER_ROLE
    phone: OptionalPhone = None

    @model_validator(mode="after")
    def _lower_case_email(self) -> NewWorker:
        # Matched exactly to sign-ins, so normalised as a sign-in is.
        self.email = normalise_email(self.email)
        return self
