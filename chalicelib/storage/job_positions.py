"""Where a scheduled job that takes more than one run stops, so its next run goes on from there.

One item per job, written as the run stops and removed when the job's pass is complete. The
position itself is the job's own (page cursors, counts): storage keeps it, it does not read it.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError as WriteFailed
from pynamodb.models import Model

from chalicelib import clock
from chalicelib.storage.base import meta


class JobPosition(Model):
    class Meta:
        locals().update(meta("job-positions"))

    job = UnicodeAttribute(hash_key=True)  # the job's name in `chalicelib.jobs`
    position = JSONAttribute()
    saved_at = UnicodeAttribute()


def position_of(job: str) -> dict | None:
    """Where the job's last run stopped; None when its last run finished its pass (or it never ran)."""
    try:
        return JobPosition.get(job, consistent_read=True).position
    except JobPosition.DoesNotExist:
        return None


def keep_position(job: str, position: dict) -> None:
    JobPosition(job, position=position, saved_at=clock.iso_now()).save()


def forget_position(job: str) -> None:
    JobPosition(job).delete()


# -- sends a job makes once ------------------------------------------------------------------------
#
# A job that must send something once (the dashboard's monthly digest) keeps, beside the positions,
# one item per thing sent ("<job>#<what>"): claimed with a conditional put before it is sent, so a
# second invocation at the same time or a re-run sends nothing, and given back as "due" when the
# send fails, so a later run sends it.

SENDING, SENT, DUE = "sending", "sent", "due"


class JobSend(Model):
    class Meta:
        locals().update(meta("job-positions"))

    job = UnicodeAttribute(hash_key=True)  # "<job>#<what>": "dashboard-digest#2027-01"
    state = UnicodeAttribute()  # SENDING while claimed, then SENT, or DUE after a failed send
    claim_id = UnicodeAttribute()
    claimed_at = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)


def claim_send(key: str, claim_id: str, *, claimed_at: str, stale_before: str, may_start: bool) -> bool:
    """Claim the send named `key` (one conditional PutItem): True when this run is to send it.

    It is free when a failed send left it due, or when the run that claimed it died before
    `stale_before`; when it `may_start`, also when nobody has claimed it yet. Any other
    failure raises `WriteFailed`."""
    free = (JobSend.state == DUE) | ((JobSend.state == SENDING) & (JobSend.claimed_at < stale_before))
    if may_start:
        free = JobSend.job.does_not_exist() | free
    try:
        JobSend(key, state=SENDING, claim_id=claim_id, claimed_at=claimed_at).save(condition=free)
    except WriteFailed as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def mark_sent(key: str, claim_id: str, sent_at: str) -> None:
    """Record the claimed send made (one conditional UpdateItem: only if the claim is still this one)."""
    JobSend(key).update(
        actions=[JobSend.state.set(SENT), JobSend.sent_at.set(sent_at)], condition=JobSend.claim_id == claim_id
    )


def mark_due(key: str, claim_id: str) -> None:
    """Give up the claim of a send that failed, leaving it due for the next run (one conditional UpdateItem)."""
    JobSend(key).update(actions=[JobSend.state.set(DUE)], condition=JobSend.claim_id == claim_id)
