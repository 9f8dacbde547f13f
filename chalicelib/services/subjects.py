"""Every kind of item that is reviewed and approved, by kind: the one place that lists them.

The link pages, the in-app decisions, the queue and the recovery sweep find a subject here by
the kind its link, route or workflow names. A new approvable item adds one line.
"""

from __future__ import annotations

from chalicelib.errors import NotFound
from chalicelib.services.incident_review import SUBJECT as INCIDENT
from chalicelib.services.referral_review import SUBJECT as REFERRAL
from chalicelib.services.report_review import SUBJECT as REPORT
from chalicelib.services.review import ReviewSubject

SUBJECTS: dict[str, ReviewSubject] = {subject.kind: subject for subject in (REFERRAL, REPORT, INCIDENT)}


def subject(kind: str) -> ReviewSubject:
    try:
        return SUBJECTS[kind]
    except KeyError:
        raise NotFound(f"Nothing called '{kind}' is decided here.") from None


def all_subjects() -> list[ReviewSubject]:
    return list(SUBJECTS.values())


def pages() -> dict[str, str]:
    """The address of each kind's page, with `{id}`: where it is read and decided."""
    return {kind: one.page for kind, one in SUBJECTS.items()}


def workflow_steps(workflow: str) -> dict:
    """The Lambda steps of one registered workflow, by the step names its ASL file uses."""
    for one in SUBJECTS.values():
        if one.workflow.name == workflow:
            return one.steps
    raise KeyError(f"No subject is reviewed by the {workflow!r} workflow")
