"""The compliance scan's read cost with 100 and with 10,000 workers, the same 50 expiring in its window.

DESIGN.md section 10: the scan's reads grow with the clearances in the window, not with the
workforce, so 10,000 workers may cost at most 1.2 times what 100 do. `make bench` calls
`scan_read_counts()`; run this file alone to see just these figures.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("FCS_STAGE", "local")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

TODAY = date(2030, 3, 1)
IN_WINDOW = 50
WORKFORCES = (100, 10_000)
RATIO_LIMIT = 1.2
# Days from TODAY of the 50 first aid expiries inside the window: some on reminder days (60, 30,
# 7, 0), some just expired (a status change today), the rest spread across the window.
WINDOW_OFFSETS = [60, 30, 7, 0, -1, 45, 14] + [((i * 7) % 89) - 29 for i in range(IN_WINDOW - 7)]


class DynamoDBReads:
    """Counts DynamoDB calls and the items they read, through botocore before/after-call hooks."""

    def __init__(self) -> None:
        self.active = False
        self.calls: Counter[str] = Counter()
        self.items = 0

    def before(self, model, **_kwargs) -> None:
        if self.active:
            self.calls[model.name] += 1

    def after(self, model, parsed, **_kwargs) -> None:
        if self.active:
            self.items += items_read(model.name, parsed)

    def install(self) -> None:
        import botocore.handlers

        # Every session made from now on (each PynamoDB connection makes its own) gets the hooks.
        botocore.handlers.BUILTIN_HANDLERS.extend(self._hooks())

    def uninstall(self) -> None:
        import botocore.handlers

        for hook in self._hooks():
            if hook in botocore.handlers.BUILTIN_HANDLERS:
                botocore.handlers.BUILTIN_HANDLERS.remove(hook)

    def _hooks(self) -> list[tuple]:
        return [("before-call.dynamodb", self.before), ("after-call.dynamodb", self.after)]


def items_read(operation: str, parsed: dict) -> int:
    """Items a response read: ScannedCount for a Query or Scan (what is billed, filtered or not)."""
    if operation in ("Query", "Scan"):
        return int(parsed.get("ScannedCount", parsed.get("Count", 0)))
    if operation == "GetItem":
        return 1 if parsed.get("Item") else 0
    if operation in ("BatchGetItem", "TransactGetItems"):
        responses = parsed.get("Responses", {})
        return sum(len(v) for v in responses.values()) if isinstance(responses, dict) else len(responses)
    return 0


def _certificates(index: int) -> dict:
    """Worker `index`'s certificates: the first IN_WINDOW have first aid expiring in the window."""
    from chalicelib.domain.clearances import Certificate, ClearanceKind, add_years

    if index < IN_WINDOW:
        first_aid_expiry = TODAY + timedelta(days=WINDOW_OFFSETS[index])
    else:  # 4 months to ~3 years ahead: never inside a scan window on TODAY
        first_aid_expiry = TODAY + timedelta(days=120 + (index * 37) % 900)
    background_issued = TODAY - timedelta(days=30 + (index * 11) % 700)  # expires 2-3 years ahead
    return {
        ClearanceKind.BACKGROUND_CHECK: Certificate(
            ClearanceKind.BACKGROUND_CHECK, background_issued, add_years(background_issued, 3)
        ),
        ClearanceKind.FIRST_AID: Certificate(
            ClearanceKind.FIRST_AID, add_years(first_aid_expiry, -3), first_aid_expiry
        ),
    }


def seed(workers: int) -> None:
    """Write `workers` workers and their clearances with batch writes, as the service would store them."""
    from chalicelib.domain.clearances import expiry_month, worker_compliance
    from chalicelib.services.workers import policy
    from chalicelib.storage.workers import Clearance, Worker, WorkerEmail, name_key

    rules = policy()
    yesterday = TODAY - timedelta(days=1)  # as the last daily run left them
    with (
        Worker.batch_write() as worker_batch,
        WorkerEmail.batch_write() as email_batch,
        Clearance.batch_write() as clearance_batch,
    ):
        for index in range(workers):
            worker_id = f"w{index:06d}"
            name = f"Worker {index:06d}"
            email = f"worker{index:06d}@example.org"
            certs = _certificates(index)
            status = worker_compliance(certs, rules, yesterday).status
            worker_batch.save(
                Worker(
                    worker_id,
                    email=email,
                    name=name,
                    role="Family contact worker",
                    name_key=name_key(name, worker_id),
                    created_at="2029-01-01T09:00:00+00:00",
                    created_by="bench",
                    clearances={
                        kind.value: {
                            "issued_on": cert.issued_on.isoformat(),
                            "expires_on": cert.expires_on.isoformat(),
                            "renewal_applied_on": None,
                        }
                        for kind, cert in certs.items()
                    },
                    compliance_status=status.value,
                    compliance_as_of=yesterday.isoformat(),
                    version=1,
                )
            )
            email_batch.save(WorkerEmail(email, worker_id=worker_id))
            for kind, cert in certs.items():
                clearance_batch.save(
                    Clearance(
                        worker_id,
                        kind.value,
                        issued_on=cert.issued_on.isoformat(),
                        expires_on=cert.expires_on.isoformat(),
                        expires_month=expiry_month(cert.expires_on),
                        expiry_source="certificate",
                        details={},
                        verified_by="bench",
                        verified_on=cert.issued_on.isoformat(),
                        recorded_by="bench",
                        recorded_at="2029-01-01T09:00:00+00:00",
                    )
                )


def measure(workers: int) -> dict:
    """Seed a fresh embedded runtime with `workers` workers, run one scan, count what it read."""
    from app import app
    from chalicelib.services import compliance_scan
    from local.runtime import EmbeddedAws

    counter = DynamoDBReads()
    counter.install()
    runtime = EmbeddedAws(app, Path(tempfile.mkdtemp(prefix="bench-clearances-"))).start()
    try:
        seed(workers)
        counter.active = True
        summary = compliance_scan.run(TODAY)
        counter.active = False
    finally:
        counter.uninstall()
        runtime.stop()
    return {"calls": counter.calls, "items": counter.items, "summary": summary}


def scan_read_counts() -> list[dict]:
    """The rows `make bench` prints: calls and items read per workforce size, and their ratios."""
    rows: list[dict] = []
    results = {}
    for workers in WORKFORCES:
        result = measure(workers)
        results[workers] = result
        calls, summary = result["calls"], result["summary"]
        breakdown = ", ".join(f"{name}×{n}" for name, n in sorted(calls.items()))
        rows.append(
            {
                "figure": f"scan DynamoDB calls ({workers:,} workers)",
                "value": sum(calls.values()),
                "how": f"botocore before-call hook during one compliance_scan.run, {IN_WINDOW} expiring in window, "
                f"{summary['reminders']['sent']} reminders, {summary['status_changes']} status changes: {breakdown}",
            }
        )
        rows.append(
            {
                "figure": f"scan items read ({workers:,} workers)",
                "value": result["items"],
                "how": "after-call hook: ScannedCount of each Query, items returned by GetItem/BatchGetItem; "
                f"months read {', '.join(summary['months_read'])}",
            }
        )
    small, large = (results[w] for w in WORKFORCES)
    rows.append(
        {
            "figure": "scan DynamoDB calls ratio 10,000 / 100 workers",
            "value": round(sum(large["calls"].values()) / sum(small["calls"].values()), 2),
            "how": "the two call counts above",
            "limit": f"<= {RATIO_LIMIT}",
        }
    )
    rows.append(
        {
            "figure": "scan items read ratio 10,000 / 100 workers",
            "value": round(large["items"] / small["items"], 2),
            "how": "the two item counts above",
            "limit": f"<= {RATIO_LIMIT}",
        }
    )
    return rows


def main() -> int:
    rows = scan_read_counts()
    failed = False
    for row in rows:
        limit = row.get("limit", "")
        over = bool(limit) and row["value"] > RATIO_LIMIT
        failed |= over
        print(f"{row['figure']:<48} {row['value']!s:>8} {limit:<7} {'OVER LIMIT ' if over else ''}{row['how']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
