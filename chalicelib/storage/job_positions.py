"""Where a scheduled job that takes more than one run stops, so its next run goes on from there.

One item per job, written as the run stops and removed when the job's pass is complete. The
position itself is the job's own (page cursors, counts): storage keeps it, it does not read it.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
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
