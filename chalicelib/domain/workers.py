"""A worker joining the service: the input model the JSON API and the HR form share.

Pure Python (no AWS, no I/O). Their certificates are `domain.clearance_records`.
"""

from __future__ import annotations

from pydantic import EmailStr, model_validator

from chalicelib.domain.fields import InputModel, Name, OptionalPhone, one_line

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
        # Emails are matched to sign-ins case-insensitively, so they are stored in lower case.
        self.email = self.email.lower()
        return self
