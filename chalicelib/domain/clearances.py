"""Worker clearance rules: statuses, expiry arithmetic, compliance and reminders.

Pure Python (no AWS, no I/O): every rule takes the date it is evaluated on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import NamedTuple


class ClearanceKind(StrEnum):
    BACKGROUND_CHECK = "background_check"
    FIRST_AID = "first_aid"
    DRIVING_LICENCE = "driving_licence"
    VEHICLE_INSURANCE = "vehicle_insurance"


class ClearanceStatus(StrEnum):
    """Status of one clearance on one day.

    Severity, worst first: EXPIRED, MISSING, RENEWAL_IN_PROGRESS, EXPIRING, VALID.
    - EXPIRED and MISSING block assignment. EXPIRED ranks worst because it means a worker who
      was being relied upon has lapsed, so already-booked visits are at risk.
    - RENEWAL_IN_PROGRESS is still compliant (it only exists inside the grace period) but needs
      HR to follow up, so it shows as worse than EXPIRING.
    With this order one certificate's status never improves as time passes once it is issued:
    VALID -> EXPIRING -> RENEWAL_IN_PROGRESS -> EXPIRED.
    """

    VALID = "VALID"
    EXPIRING = "EXPIRING"
    RENEWAL_IN_PROGRESS = "RENEWAL_IN_PROGRESS"
    MISSING = "MISSING"
    EXPIRED = "EXPIRED"

    @property
    def severity(self) -> int:
        """Higher is worse; use it to pick the worst of several statuses."""
        return _SEVERITY[self]


_SEVERITY: dict[ClearanceStatus, int] = {
    ClearanceStatus.VALID: 0,
    ClearanceStatus.EXPIRING: 1,
    ClearanceStatus.RENEWAL_IN_PROGRESS: 2,
    ClearanceStatus.MISSING: 3,
    ClearanceStatus.EXPIRED: 4,
}

_COMPLIANT = frozenset(
    {
        ClearanceStatus.VALID,
        ClearanceStatus.EXPIRING,
        ClearanceStatus.RENEWAL_IN_PROGRESS,
    }
)


def is_compliant(status: ClearanceStatus) -> bool:
    """True when a clearance in this status lets the worker be assigned.

    RENEWAL_IN_PROGRESS counts because clearance_status only returns it inside the grace
    period; once the grace period ends the status is EXPIRED.
    """
    return status in _COMPLIANT


def worst_status(statuses: Iterable[ClearanceStatus]) -> ClearanceStatus:
    """The most severe status; VALID when there is nothing to judge."""
    return max(statuses, key=lambda s: s.severity, default=ClearanceStatus.VALID)


DEFAULT_REQUIRED_KINDS: tuple[ClearanceKind, ...] = (
    ClearanceKind.BACKGROUND_CHECK,
    ClearanceKind.FIRST_AID,
)
DEFAULT_REMINDER_DAYS: tuple[int, ...] = (60, 30, 7, 0)


@dataclass(frozen=True)
class ClearancePolicy:
    """The service's configurable clearance rules (one per stage, read from the environment)."""

    required_kinds: tuple[ClearanceKind, ...] = DEFAULT_REQUIRED_KINDS
    warning_days: int = 60
    default_validity_years: int = 3
    renewal_grace_days: int = 30
    # Days before expiry on which a reminder goes out; 0 is the expiry day itself.
    reminder_days: tuple[int, ...] = DEFAULT_REMINDER_DAYS

    def __post_init__(self) -> None:
        # Normalise so that equal policies compare equal and iteration order is stable.
        kinds = tuple(dict.fromkeys(ClearanceKind(k) for k in self.required_kinds))
        if not kinds:
            # An empty list would make every worker compliant: almost certainly a config mistake.
            raise ValueError("required_kinds must name at least one clearance kind")
        object.__setattr__(self, "required_kinds", kinds)
        _check_whole("warning_days", self.warning_days, minimum=0)
        _check_whole("default_validity_years", self.default_validity_years, minimum=1)
        _check_whole("renewal_grace_days", self.renewal_grace_days, minimum=0)
        for offset in self.reminder_days:
            _check_whole("reminder_days", offset, minimum=0)
        object.__setattr__(self, "reminder_days", tuple(sorted(set(self.reminder_days), reverse=True)))

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ClearancePolicy:
        """Build a policy from CLEARANCE_* variables; unset or blank variables keep the default.

        Raises ValueError naming the variable when a value cannot be used.
        """
        kwargs: dict[str, object] = {}
        raw = _env(environ, "CLEARANCE_REQUIRED_KINDS")
        if raw is not None:
            kwargs["required_kinds"] = _parse_kinds("CLEARANCE_REQUIRED_KINDS", raw)
        for name, attr, minimum in (
            ("CLEARANCE_WARNING_DAYS", "warning_days", 0),
            ("CLEARANCE_DEFAULT_VALIDITY_YEARS", "default_validity_years", 1),
            ("CLEARANCE_RENEWAL_GRACE_DAYS", "renewal_grace_days", 0),
        ):
            raw = _env(environ, name)
            if raw is not None:
                kwargs[attr] = _parse_int(name, raw, minimum)
        raw = _env(environ, "CLEARANCE_REMINDER_DAYS")
        if raw is not None:
            kwargs["reminder_days"] = tuple(_parse_int("CLEARANCE_REMINDER_DAYS", part) for part in _split(raw))
        # Every value was checked above, so any error names the variable to fix.
        return cls(**kwargs)  # type: ignore[arg-type]


def _check_whole(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}")


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",")]


def _parse_int(name: str, raw: str, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def _parse_kinds(name: str, raw: str) -> tuple[ClearanceKind, ...]:
    kinds = []
    for part in _split(raw):
        try:
            kinds.append(ClearanceKind(part))
        except ValueError:
            known = ", ".join(k.value for k in ClearanceKind)
            raise ValueError(f"{name} has unknown clearance kind {part!r}; known kinds: {known}") from None
    return tuple(kinds)


@dataclass(frozen=True)
class Certificate:
    """One recorded clearance of a worker."""

    kind: ClearanceKind
    issued_on: date
    expires_on: date | None = None
    # The day HR recorded that the worker applied to renew this certificate.
    renewal_applied_on: date | None = None


def add_years(d: date, years: int) -> date:
    """Same day `years` later; 29 Feb becomes 28 Feb in a non-leap year.

    28 Feb rather than 1 Mar so that a default expiry never gives a day more than the policy.
    """
    from dateutil.relativedelta import relativedelta  # on first use: it is not needed to import the app

    return d + relativedelta(years=years)


def effective_expiry(cert: Certificate, policy: ClearancePolicy) -> date:
    """The certificate's own expiry, or issue date + the policy's validity when it has none."""
    if cert.expires_on is not None:
        return cert.expires_on
    return add_years(cert.issued_on, policy.default_validity_years)


def grace_ends_on(cert: Certificate, policy: ClearancePolicy) -> date:
    """Last day a renewal in progress keeps the worker assignable after expiry."""
    return effective_expiry(cert, policy) + timedelta(days=policy.renewal_grace_days)


def _renewal_counts(cert: Certificate, policy: ClearancePolicy, today: date) -> bool:
    """Whether a renewal application is in effect on `today`.

    It must already have happened (so a status as of an earlier day ignores it), belong to this
    certificate (not before its issue) and be made by the expiry day: the grace period *keeps* a
    worker assignable; it does not revive a clearance that has already lapsed. This also keeps
    a certificate's status from ever improving as time passes.
    """
    applied = cert.renewal_applied_on
    if applied is None:
        return False
    return cert.issued_on <= applied <= today and applied <= effective_expiry(cert, policy)


def clearance_status(cert: Certificate | None, policy: ClearancePolicy, today: date) -> ClearanceStatus:
    """Status of one clearance as of `today`.

    A certificate is valid ON its expiry date and expired from the day after. The warning window
    starts `warning_days` before expiry (inclusive). A certificate issued after `today` is not in
    force yet, so it counts as MISSING on that day.
    """
    if cert is None or cert.issued_on > today:
        return ClearanceStatus.MISSING
    expiry = effective_expiry(cert, policy)
    renewing = _renewal_counts(cert, policy, today)
    if today > expiry:
        if renewing and today <= grace_ends_on(cert, policy):
            return ClearanceStatus.RENEWAL_IN_PROGRESS
        return ClearanceStatus.EXPIRED
    if today >= expiry - timedelta(days=policy.warning_days):
        return ClearanceStatus.RENEWAL_IN_PROGRESS if renewing else ClearanceStatus.EXPIRING
    # A renewal applied for before the window opens changes nothing yet: the certificate is VALID.
    return ClearanceStatus.VALID


def describe_status(
    kind: ClearanceKind,
    cert: Certificate | None,
    policy: ClearancePolicy,
    today: date,
) -> str | None:
    """A one-line reason for a status other than VALID (None when VALID)."""
    status = clearance_status(cert, policy, today)
    if status is ClearanceStatus.VALID:
        return None
    if cert is None:
        return f"{kind} is missing"
    if status is ClearanceStatus.MISSING:
        return f"{kind} is not in force until {cert.issued_on.isoformat()}"
    expiry = effective_expiry(cert, policy).isoformat()
    grace_end = grace_ends_on(cert, policy).isoformat()
    if status is ClearanceStatus.EXPIRING:
        return f"{kind} expires on {expiry}"
    if status is ClearanceStatus.RENEWAL_IN_PROGRESS:
        return f"{kind} renewal in progress (expires on {expiry}, grace period until {grace_end})"
    # EXPIRED: say why any recorded renewal did not help.
    applied = cert.renewal_applied_on
    if applied is not None and cert.issued_on <= applied <= today:
        if applied > effective_expiry(cert, policy):
            return (
                f"{kind} expired on {expiry}; renewal applied for on {applied.isoformat()}, "
                "after expiry, so no grace period applies"
            )
        return f"{kind} expired on {expiry}; renewal grace period ended on {grace_end}"
    return f"{kind} expired on {expiry}"


class WorkerCompliance(NamedTuple):
    """Worst status across the required kinds, and a reason for each required kind not VALID."""

    status: ClearanceStatus
    reasons: list[str]

    @property
    def compliant(self) -> bool:
        return is_compliant(self.status)


def worker_compliance(
    certs: Mapping[ClearanceKind, Certificate],
    policy: ClearancePolicy,
    today: date,
) -> WorkerCompliance:
    """A worker's compliance as of `today`; kinds the policy does not require are ignored."""
    statuses = []
    reasons = []
    for kind in policy.required_kinds:
        cert = certs.get(kind)
        statuses.append(clearance_status(cert, policy, today))
        reason = describe_status(kind, cert, policy, today)
        if reason is not None:
            reasons.append(reason)
    return WorkerCompliance(worst_status(statuses), reasons)


def compliant_on(
    certs: Mapping[ClearanceKind, Certificate],
    policy: ClearancePolicy,
    day: date,
) -> tuple[bool, list[str]]:
    """The assignment guard: would the worker be compliant on `day`, and if not, why not.

    Reasons list only the required kinds that block (EXPIRED or MISSING) on that day.
    """
    blocking = []
    for kind in policy.required_kinds:
        cert = certs.get(kind)
        if not is_compliant(clearance_status(cert, policy, day)):
            reason = describe_status(kind, cert, policy, day)
            if reason is not None:
                blocking.append(reason)
    return (not blocking, blocking)


def reminder_due(cert: Certificate, policy: ClearancePolicy, today: date) -> int | None:
    """The reminder offset (days before expiry) that falls exactly on `today`, else None.

    Each offset matches exactly one calendar day, so a reminder fires at most once per offset;
    a re-run on the same day returns the same offset and the caller de-duplicates the send.
    Reminders pause once a renewal has been applied for.
    """
    if cert.issued_on > today:
        return None
    applied = cert.renewal_applied_on
    if applied is not None and cert.issued_on <= applied <= today:
        return None
    days_left = (effective_expiry(cert, policy) - today).days
    return days_left if days_left in policy.reminder_days else None


def reminder_due_between(cert: Certificate, policy: ClearancePolicy, first_day: date, last_day: date) -> int | None:
    """The most urgent reminder offset that fell due on a day from `first_day` to `last_day` inclusive.

    A run that follows missed days (an outage, a failed run) still owes the latest reminder, but
    not the older ones it has overtaken: a worker 6 days from expiry gets the 7-day reminder,
    not the 30-day one as well. With first_day == last_day this is `reminder_due`.
    """
    applied = cert.renewal_applied_on
    if applied is not None and cert.issued_on <= applied <= last_day:
        return None  # reminders pause once a renewal has been applied for
    expiry = effective_expiry(cert, policy)
    for offset in sorted(policy.reminder_days):
        day = expiry - timedelta(days=offset)
        if first_day <= day <= last_day and reminder_due(cert, policy, day) == offset:
            return offset
    return None


def validate_certificate_dates(
    issued_on: date,
    expires_on: date | None,
    today: date,
    renewal_applied_on: date | None = None,
) -> list[tuple[str, str]]:
    """Problems with a certificate's dates as (field, message); empty when they are fine."""
    problems: list[tuple[str, str]] = []
    if issued_on > today:
        problems.append(("issued_on", "must not be in the future"))
    if expires_on is not None and expires_on <= issued_on:
        problems.append(("expires_on", "must be after issued_on"))
    if renewal_applied_on is not None:
        if renewal_applied_on > today:
            problems.append(("renewal_applied_on", "must not be in the future"))
        if renewal_applied_on < issued_on:
            problems.append(("renewal_applied_on", "must not be before issued_on"))
    return problems


def expiry_month(d: date) -> str:
    """The "YYYY-MM" index key of a date."""
    return f"{d.year:04d}-{d.month:02d}"


def months_between(start: date, end: date) -> list[str]:
    """Every "YYYY-MM" from start's month to end's month inclusive; empty if end < start."""
    if end < start:
        return []
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
