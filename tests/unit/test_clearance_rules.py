"""Unit tests for the pure clearance rules in chalicelib.domain.clearances."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.clearances import (
    Certificate,
    ClearanceKind,
    ClearancePolicy,
    ClearanceStatus,
    add_years,
    clearance_status,
    compliant_on,
    effective_expiry,
    expiry_month,
    is_compliant,
    months_between,
    reminder_due,
    validate_certificate_dates,
    worker_compliance,
    worst_status,
)

BG = ClearanceKind.BACKGROUND_CHECK
FA = ClearanceKind.FIRST_AID
DL = ClearanceKind.DRIVING_LICENCE

POLICY = ClearancePolicy()  # warning 60 days, grace 30 days, reminders 60/30/7/0

ISSUED = date(2023, 3, 1)
EXPIRY = date(2026, 3, 1)
# 60 days before 2026-03-01 (January 31 days + February 28 days + 1).
WINDOW_OPENS = date(2025, 12, 31)
GRACE_ENDS = date(2026, 3, 31)  # EXPIRY + 30 days
ONE_DAY = timedelta(days=1)


def cert(
    kind: ClearanceKind = BG,
    issued_on: date = ISSUED,
    expires_on: date | None = EXPIRY,
    renewal_applied_on: date | None = None,
) -> Certificate:
    return Certificate(kind, issued_on, expires_on, renewal_applied_on)


def valid_cert(kind: ClearanceKind) -> Certificate:
    return cert(kind=kind, expires_on=date(2030, 1, 1))


def test_fixture_dates_match_the_default_policy() -> None:
    assert EXPIRY - WINDOW_OPENS == timedelta(days=POLICY.warning_days)
    assert GRACE_ENDS - EXPIRY == timedelta(days=POLICY.renewal_grace_days)


# --- status of one clearance at each boundary -------------------------------------------------


def test_no_certificate_is_missing() -> None:
    # GIVEN no certificate WHEN judged THEN it is missing
    assert clearance_status(None, POLICY, date(2025, 1, 1)) is ClearanceStatus.MISSING


def test_certificate_is_valid_on_its_issue_date() -> None:
    assert clearance_status(cert(), POLICY, ISSUED) is ClearanceStatus.VALID


def test_certificate_issued_after_today_is_missing_until_issue_date() -> None:
    # GIVEN a certificate issued tomorrow WHEN judged today THEN it is not in force yet
    future = cert(issued_on=date(2025, 6, 2), expires_on=date(2028, 6, 2))
    assert clearance_status(future, POLICY, date(2025, 6, 1)) is ClearanceStatus.MISSING


def test_certificate_is_valid_the_day_before_the_warning_window() -> None:
    status = clearance_status(cert(), POLICY, WINDOW_OPENS - ONE_DAY)
    assert status is ClearanceStatus.VALID


def test_certificate_is_expiring_on_the_first_day_of_the_warning_window() -> None:
    status = clearance_status(cert(), POLICY, WINDOW_OPENS)
    assert status is ClearanceStatus.EXPIRING


def test_certificate_is_still_in_force_on_its_expiry_date() -> None:
    # GIVEN a certificate expiring 2026-03-01 WHEN judged on that day THEN it still counts
    status = clearance_status(cert(), POLICY, EXPIRY)
    assert status is ClearanceStatus.EXPIRING
    assert is_compliant(status)


def test_certificate_is_expired_the_day_after_its_expiry_date() -> None:
    status = clearance_status(cert(), POLICY, EXPIRY + ONE_DAY)
    assert status is ClearanceStatus.EXPIRED


def test_warning_window_length_comes_from_the_policy() -> None:
    policy = ClearancePolicy(warning_days=10)
    assert clearance_status(cert(), policy, EXPIRY - timedelta(days=11)) is ClearanceStatus.VALID
    assert clearance_status(cert(), policy, EXPIRY - timedelta(days=10)) is (ClearanceStatus.EXPIRING)


# --- default expiry ---------------------------------------------------------------------------


def test_explicit_expiry_date_is_used_when_present() -> None:
    assert effective_expiry(cert(expires_on=date(2024, 7, 9)), POLICY) == date(2024, 7, 9)


def test_certificate_without_expiry_expires_three_years_after_issue() -> None:
    no_expiry = cert(issued_on=date(2023, 5, 17), expires_on=None)
    assert effective_expiry(no_expiry, POLICY) == date(2026, 5, 17)


def test_default_validity_years_comes_from_the_policy() -> None:
    no_expiry = cert(issued_on=date(2023, 5, 17), expires_on=None)
    policy = ClearancePolicy(default_validity_years=5)
    assert effective_expiry(no_expiry, policy) == date(2028, 5, 17)


def test_leap_day_issue_without_expiry_expires_on_28_february() -> None:
    # GIVEN a certificate issued on 29 Feb with no expiry WHEN 3 years are added
    # THEN it expires on 28 Feb (never a day more than the policy gives)
    leap = cert(issued_on=date(2024, 2, 29), expires_on=None)
    assert effective_expiry(leap, POLICY) == date(2027, 2, 28)


def test_leap_day_issue_keeps_29_february_when_expiry_year_is_leap() -> None:
    leap = cert(issued_on=date(2024, 2, 29), expires_on=None)
    assert effective_expiry(leap, ClearancePolicy(default_validity_years=4)) == date(2028, 2, 29)


def test_leap_day_certificate_without_expiry_is_expired_on_1_march() -> None:
    leap = cert(issued_on=date(2024, 2, 29), expires_on=None)
    assert clearance_status(leap, POLICY, date(2027, 2, 28)) is ClearanceStatus.EXPIRING
    assert clearance_status(leap, POLICY, date(2027, 3, 1)) is ClearanceStatus.EXPIRED


def test_add_years_moves_ordinary_dates_to_the_same_day() -> None:
    assert add_years(date(2023, 12, 31), 3) == date(2026, 12, 31)


# --- renewal in progress and its grace period ---------------------------------------------------


def test_renewal_applied_inside_warning_window_shows_renewal_in_progress() -> None:
    renewing = cert(renewal_applied_on=date(2026, 1, 15))
    status = clearance_status(renewing, POLICY, date(2026, 1, 20))
    assert status is ClearanceStatus.RENEWAL_IN_PROGRESS


def test_early_renewal_keeps_certificate_valid_until_window_opens() -> None:
    renewing = cert(renewal_applied_on=date(2025, 6, 1))
    assert clearance_status(renewing, POLICY, WINDOW_OPENS - ONE_DAY) is ClearanceStatus.VALID
    assert clearance_status(renewing, POLICY, WINDOW_OPENS) is (ClearanceStatus.RENEWAL_IN_PROGRESS)


def test_renewal_is_ignored_on_days_before_it_was_applied_for() -> None:
    # GIVEN a renewal applied on 2026-02-10 WHEN judged as of 2026-02-09 THEN still EXPIRING
    renewing = cert(renewal_applied_on=date(2026, 2, 10))
    assert clearance_status(renewing, POLICY, date(2026, 2, 9)) is ClearanceStatus.EXPIRING


def test_renewal_in_progress_is_compliant_the_day_after_expiry() -> None:
    renewing = cert(renewal_applied_on=date(2026, 2, 1))
    status = clearance_status(renewing, POLICY, EXPIRY + ONE_DAY)
    assert status is ClearanceStatus.RENEWAL_IN_PROGRESS
    assert is_compliant(status)


def test_renewal_in_progress_is_compliant_on_the_last_day_of_grace() -> None:
    renewing = cert(renewal_applied_on=date(2026, 2, 1))
    assert clearance_status(renewing, POLICY, GRACE_ENDS) is ClearanceStatus.RENEWAL_IN_PROGRESS


def test_renewal_in_progress_is_expired_the_day_after_grace_ends() -> None:
    renewing = cert(renewal_applied_on=date(2026, 2, 1))
    assert clearance_status(renewing, POLICY, GRACE_ENDS + ONE_DAY) is ClearanceStatus.EXPIRED


def test_renewal_applied_on_the_expiry_day_gets_the_grace_period() -> None:
    renewing = cert(renewal_applied_on=EXPIRY)
    status = clearance_status(renewing, POLICY, EXPIRY + ONE_DAY)
    assert status is ClearanceStatus.RENEWAL_IN_PROGRESS


def test_renewal_applied_after_expiry_does_not_revive_the_clearance() -> None:
    # GIVEN a renewal applied for two days after the certificate lapsed
    late = cert(renewal_applied_on=EXPIRY + timedelta(days=2))
    # WHEN judged inside what would have been the grace period THEN it is still expired
    assert clearance_status(late, POLICY, EXPIRY + timedelta(days=5)) is ClearanceStatus.EXPIRED


def test_zero_grace_days_means_expired_the_day_after_expiry_despite_renewal() -> None:
    policy = ClearancePolicy(renewal_grace_days=0)
    renewing = cert(renewal_applied_on=date(2026, 2, 1))
    assert clearance_status(renewing, policy, EXPIRY) is ClearanceStatus.RENEWAL_IN_PROGRESS
    assert clearance_status(renewing, policy, EXPIRY + ONE_DAY) is ClearanceStatus.EXPIRED


def test_renewal_dated_before_the_issue_date_is_ignored() -> None:
    # A stale marker from the application that produced this very certificate.
    stale = cert(renewal_applied_on=ISSUED - timedelta(days=10))
    assert clearance_status(stale, POLICY, date(2026, 1, 20)) is ClearanceStatus.EXPIRING


# --- severity and compliance of statuses --------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "compliant"),
    [
        (ClearanceStatus.VALID, True),
        (ClearanceStatus.EXPIRING, True),
        (ClearanceStatus.RENEWAL_IN_PROGRESS, True),
        (ClearanceStatus.MISSING, False),
        (ClearanceStatus.EXPIRED, False),
    ],
)
def test_only_expired_and_missing_statuses_block_assignment(status: ClearanceStatus, compliant: bool) -> None:
    assert is_compliant(status) is compliant


def test_severity_orders_statuses_from_valid_to_expired() -> None:
    ordered = sorted(ClearanceStatus, key=lambda s: s.severity)
    assert ordered == [
        ClearanceStatus.VALID,
        ClearanceStatus.EXPIRING,
        ClearanceStatus.RENEWAL_IN_PROGRESS,
        ClearanceStatus.MISSING,
        ClearanceStatus.EXPIRED,
    ]


def test_worst_status_picks_the_most_severe() -> None:
    statuses = [
        ClearanceStatus.EXPIRING,
        ClearanceStatus.MISSING,
        ClearanceStatus.VALID,
    ]
    assert worst_status(statuses) is ClearanceStatus.MISSING


def test_worst_status_of_nothing_is_valid() -> None:
    assert worst_status([]) is ClearanceStatus.VALID


def test_statuses_serialise_as_their_names() -> None:
    assert str(ClearanceStatus.RENEWAL_IN_PROGRESS) == "RENEWAL_IN_PROGRESS"
    assert str(ClearanceKind.BACKGROUND_CHECK) == "background_check"


# --- worker compliance ------------------------------------------------------------------------


def test_worker_with_every_required_clearance_valid_is_valid_without_reasons() -> None:
    certs = {BG: valid_cert(BG), FA: valid_cert(FA)}
    result = worker_compliance(certs, POLICY, date(2026, 1, 1))
    assert result.status is ClearanceStatus.VALID
    assert result.reasons == []
    assert result.compliant


def test_worker_compliance_is_the_worst_of_the_required_kinds() -> None:
    # GIVEN a valid background check and a first-aid certificate in its warning window
    certs = {BG: valid_cert(BG), FA: cert(kind=FA)}
    # WHEN compliance is computed on 2026-01-10
    status, reasons = worker_compliance(certs, POLICY, date(2026, 1, 10))
    # THEN the worker is EXPIRING because of first aid
    assert status is ClearanceStatus.EXPIRING
    assert reasons == ["first_aid expires on 2026-03-01"]


def test_expired_reason_names_the_kind_and_expiry_date() -> None:
    certs = {BG: cert(kind=BG), FA: valid_cert(FA)}
    status, reasons = worker_compliance(certs, POLICY, date(2026, 3, 2))
    assert status is ClearanceStatus.EXPIRED
    assert reasons == ["background_check expired on 2026-03-01"]


def test_worker_missing_a_required_clearance_is_missing() -> None:
    result = worker_compliance({BG: valid_cert(BG)}, POLICY, date(2026, 1, 1))
    assert result.status is ClearanceStatus.MISSING
    assert result.reasons == ["first_aid is missing"]
    assert not result.compliant


def test_expired_outranks_missing_in_worker_compliance() -> None:
    result = worker_compliance({BG: cert(kind=BG)}, POLICY, date(2026, 6, 1))
    assert result.status is ClearanceStatus.EXPIRED
    assert result.reasons == [
        "background_check expired on 2026-03-01",
        "first_aid is missing",
    ]


def test_renewal_in_progress_outranks_expiring_in_worker_compliance() -> None:
    certs = {BG: cert(kind=BG, renewal_applied_on=date(2026, 1, 5)), FA: cert(kind=FA)}
    result = worker_compliance(certs, POLICY, date(2026, 1, 10))
    assert result.status is ClearanceStatus.RENEWAL_IN_PROGRESS
    assert result.compliant


def test_optional_kinds_do_not_affect_compliance_by_default() -> None:
    certs = {BG: valid_cert(BG), FA: valid_cert(FA), DL: cert(kind=DL)}
    result = worker_compliance(certs, POLICY, date(2026, 6, 1))
    assert result.status is ClearanceStatus.VALID


def test_policy_can_require_a_driving_licence() -> None:
    policy = ClearancePolicy(required_kinds=(BG, FA, DL))
    certs = {BG: valid_cert(BG), FA: valid_cert(FA)}
    result = worker_compliance(certs, policy, date(2026, 6, 1))
    assert result.status is ClearanceStatus.MISSING
    assert result.reasons == ["driving_licence is missing"]


def test_reason_explains_an_ended_grace_period() -> None:
    certs = {BG: cert(kind=BG, renewal_applied_on=date(2026, 2, 1)), FA: valid_cert(FA)}
    _, reasons = worker_compliance(certs, POLICY, GRACE_ENDS + ONE_DAY)
    assert reasons == ["background_check expired on 2026-03-01; renewal grace period ended on 2026-03-31"]


def test_reason_explains_a_renewal_applied_after_expiry() -> None:
    certs = {BG: cert(kind=BG, renewal_applied_on=date(2026, 3, 3)), FA: valid_cert(FA)}
    _, reasons = worker_compliance(certs, POLICY, date(2026, 3, 5))
    assert reasons == [
        (
            "background_check expired on 2026-03-01; renewal applied for on 2026-03-03, "
            "after expiry, so no grace period applies"
        )
    ]


def test_reason_for_a_certificate_not_yet_in_force_gives_its_issue_date() -> None:
    certs = {BG: valid_cert(BG), FA: cert(kind=FA, issued_on=date(2026, 2, 1))}
    _, reasons = worker_compliance(certs, POLICY, date(2026, 1, 1))
    assert reasons == ["first_aid is not in force until 2026-02-01"]


# --- the assignment guard -----------------------------------------------------------------------


def test_worker_is_compliant_on_a_visit_day_up_to_the_expiry_date() -> None:
    certs = {BG: cert(kind=BG), FA: valid_cert(FA)}
    assert compliant_on(certs, POLICY, EXPIRY) == (True, [])


def test_worker_is_not_compliant_on_a_visit_day_after_expiry() -> None:
    # GIVEN a background check expiring 2026-03-01
    certs = {BG: cert(kind=BG), FA: valid_cert(FA)}
    # WHEN a visit is proposed for 2026-03-02 THEN the guard refuses and says why
    assert compliant_on(certs, POLICY, EXPIRY + ONE_DAY) == (
        False,
        ["background_check expired on 2026-03-01"],
    )


def test_guard_lists_only_blocking_reasons() -> None:
    certs = {BG: cert(kind=BG)}  # expiring on the visit day, first aid missing
    assert compliant_on(certs, POLICY, date(2026, 2, 1)) == (
        False,
        ["first_aid is missing"],
    )


def test_guard_allows_a_visit_inside_the_grace_period_of_a_renewal() -> None:
    certs = {BG: cert(kind=BG, renewal_applied_on=date(2026, 2, 1)), FA: valid_cert(FA)}
    assert compliant_on(certs, POLICY, GRACE_ENDS) == (True, [])


def test_guard_refuses_a_visit_after_the_grace_period_of_a_renewal() -> None:
    certs = {BG: cert(kind=BG, renewal_applied_on=date(2026, 2, 1)), FA: valid_cert(FA)}
    allowed, reasons = compliant_on(certs, POLICY, GRACE_ENDS + ONE_DAY)
    assert not allowed
    assert len(reasons) == 1


def test_guard_refuses_a_visit_before_a_new_certificate_is_in_force() -> None:
    certs = {BG: valid_cert(BG), FA: cert(kind=FA, issued_on=date(2026, 2, 1))}
    allowed, _ = compliant_on(certs, POLICY, date(2026, 1, 31))
    assert not allowed


# --- reminders ----------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [60, 30, 7, 0])
def test_reminder_is_due_exactly_on_each_offset_before_expiry(offset: int) -> None:
    today = EXPIRY - timedelta(days=offset)
    assert reminder_due(cert(), POLICY, today) == offset


def test_no_reminder_on_any_other_day() -> None:
    # GIVEN every day from 90 days before expiry to 10 days after, except the offsets
    offset_days = {EXPIRY - timedelta(days=n) for n in POLICY.reminder_days}
    days = [EXPIRY + timedelta(days=n) for n in range(-90, 11)]
    # WHEN reminders are checked THEN none is due
    quiet = [d for d in days if d not in offset_days and reminder_due(cert(), POLICY, d)]
    assert quiet == []


def test_no_reminder_once_a_renewal_was_applied_for() -> None:
    renewing = cert(renewal_applied_on=date(2025, 12, 1))
    due = [reminder_due(renewing, POLICY, EXPIRY - timedelta(days=n)) for n in (60, 30, 7, 0)]
    assert due == [None, None, None, None]


def test_reminder_still_due_before_the_renewal_application_day() -> None:
    renewing = cert(renewal_applied_on=EXPIRY - timedelta(days=10))
    assert reminder_due(renewing, POLICY, EXPIRY - timedelta(days=30)) == 30


def test_reminder_uses_the_default_expiry_of_a_certificate_without_one() -> None:
    no_expiry = cert(issued_on=date(2023, 5, 17), expires_on=None)
    assert reminder_due(no_expiry, POLICY, date(2026, 5, 10)) == 7


def test_reminder_offsets_come_from_the_policy() -> None:
    policy = ClearancePolicy(reminder_days=(14,))
    assert reminder_due(cert(), policy, EXPIRY - timedelta(days=14)) == 14
    assert reminder_due(cert(), policy, EXPIRY - timedelta(days=7)) is None


def test_no_reminder_before_the_certificate_is_issued() -> None:
    short = cert(issued_on=date(2026, 1, 1), expires_on=date(2026, 1, 20))
    assert reminder_due(short, POLICY, date(2025, 12, 20)) is None


# --- date validation ----------------------------------------------------------------------------

TODAY = date(2026, 1, 15)


def test_sensible_certificate_dates_have_no_problems() -> None:
    assert validate_certificate_dates(date(2025, 1, 1), date(2028, 1, 1), TODAY) == []


def test_missing_expiry_date_is_allowed() -> None:
    assert validate_certificate_dates(date(2025, 1, 1), None, TODAY) == []


def test_expiry_before_issue_is_a_problem_on_expires_on() -> None:
    problems = validate_certificate_dates(date(2025, 1, 1), date(2024, 12, 31), TODAY)
    assert problems == [("expires_on", "must be after issued_on")]


def test_expiry_on_the_issue_date_is_a_problem_on_expires_on() -> None:
    problems = validate_certificate_dates(date(2025, 1, 1), date(2025, 1, 1), TODAY)
    assert problems == [("expires_on", "must be after issued_on")]


def test_issue_date_in_the_future_is_a_problem_on_issued_on() -> None:
    problems = validate_certificate_dates(TODAY + ONE_DAY, date(2029, 1, 1), TODAY)
    assert problems == [("issued_on", "must not be in the future")]


def test_issue_date_of_today_is_allowed() -> None:
    assert validate_certificate_dates(TODAY, date(2029, 1, 1), TODAY) == []


def test_every_date_problem_is_reported_at_once() -> None:
    problems = validate_certificate_dates(TODAY + ONE_DAY, TODAY, TODAY)
    assert [f for f, _ in problems] == ["issued_on", "expires_on"]


def test_renewal_application_in_the_future_is_a_problem() -> None:
    problems = validate_certificate_dates(date(2025, 1, 1), None, TODAY, renewal_applied_on=TODAY + ONE_DAY)
    assert problems == [("renewal_applied_on", "must not be in the future")]


def test_renewal_application_before_issue_is_a_problem() -> None:
    problems = validate_certificate_dates(date(2025, 1, 1), None, TODAY, renewal_applied_on=date(2024, 12, 1))
    assert problems == [("renewal_applied_on", "must not be before issued_on")]


# --- expiry-month index keys --------------------------------------------------------------------


def test_expiry_month_is_zero_padded_year_and_month() -> None:
    assert expiry_month(date(2026, 3, 1)) == "2026-03"


def test_months_between_crosses_a_year_boundary() -> None:
    months = months_between(date(2025, 11, 15), date(2026, 2, 3))
    assert months == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_months_between_within_one_month_is_that_month() -> None:
    assert months_between(date(2026, 3, 1), date(2026, 3, 31)) == ["2026-03"]


def test_months_between_is_empty_when_end_is_before_start() -> None:
    assert months_between(date(2026, 3, 1), date(2026, 2, 28)) == []


# --- policy -------------------------------------------------------------------------------------


def test_default_policy_matches_the_design() -> None:
    assert POLICY.required_kinds == (BG, FA)
    assert POLICY.warning_days == 60
    assert POLICY.default_validity_years == 3
    assert POLICY.renewal_grace_days == 30
    assert POLICY.reminder_days == (60, 30, 7, 0)


def test_policy_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        POLICY.warning_days = 1  # type: ignore[misc]


def test_policy_from_empty_environment_is_the_default() -> None:
    assert ClearancePolicy.from_env({}) == ClearancePolicy()


def test_policy_from_environment_reads_every_setting() -> None:
    env = {
        "CLEARANCE_REQUIRED_KINDS": "background_check, first_aid,driving_licence",
        "CLEARANCE_WARNING_DAYS": "45",
        "CLEARANCE_DEFAULT_VALIDITY_YEARS": "2",
        "CLEARANCE_RENEWAL_GRACE_DAYS": "14",
        "CLEARANCE_REMINDER_DAYS": "45,14,1",
    }
    assert ClearancePolicy.from_env(env) == ClearancePolicy(
        required_kinds=(BG, FA, DL),
        warning_days=45,
        default_validity_years=2,
        renewal_grace_days=14,
        reminder_days=(45, 14, 1),
    )


def test_blank_environment_values_keep_the_defaults() -> None:
    env = {"CLEARANCE_WARNING_DAYS": "  ", "CLEARANCE_REQUIRED_KINDS": ""}
    assert ClearancePolicy.from_env(env) == ClearancePolicy()


def test_reminder_days_are_deduplicated_and_sorted_latest_first() -> None:
    policy = ClearancePolicy.from_env({"CLEARANCE_REMINDER_DAYS": "0,7,30,7"})
    assert policy.reminder_days == (30, 7, 0)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "CLEARANCE_WARNING_DAYS",
            "sixty",
            "CLEARANCE_WARNING_DAYS must be a whole number",
        ),
        ("CLEARANCE_WARNING_DAYS", "-1", "CLEARANCE_WARNING_DAYS must be at least 0"),
        (
            "CLEARANCE_WARNING_DAYS",
            "6.5",
            "CLEARANCE_WARNING_DAYS must be a whole number",
        ),
        (
            "CLEARANCE_DEFAULT_VALIDITY_YEARS",
            "0",
            "CLEARANCE_DEFAULT_VALIDITY_YEARS must be at",
        ),
        (
            "CLEARANCE_RENEWAL_GRACE_DAYS",
            "-5",
            "CLEARANCE_RENEWAL_GRACE_DAYS must be at least 0",
        ),
        (
            "CLEARANCE_REMINDER_DAYS",
            "60,,7",
            "CLEARANCE_REMINDER_DAYS must be a whole number",
        ),
        (
            "CLEARANCE_REMINDER_DAYS",
            "60,-7",
            "CLEARANCE_REMINDER_DAYS must be at least 0",
        ),
        (
            "CLEARANCE_REQUIRED_KINDS",
            "background_check,dbs",
            "unknown clearance kind 'dbs'",
        ),
        ("CLEARANCE_REQUIRED_KINDS", ",", "unknown clearance kind ''"),
    ],
)
def test_bad_environment_value_raises_a_clear_error(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ClearancePolicy.from_env({name: value})


def test_policy_requiring_no_kinds_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ClearancePolicy(required_kinds=())


def test_policy_with_negative_grace_is_rejected() -> None:
    with pytest.raises(ValueError, match="renewal_grace_days"):
        ClearancePolicy(renewal_grace_days=-1)


# --- properties ---------------------------------------------------------------------------------

policies = st.builds(
    ClearancePolicy,
    warning_days=st.integers(0, 120),
    default_validity_years=st.integers(1, 5),
    renewal_grace_days=st.integers(0, 90),
    reminder_days=st.lists(st.integers(0, 120), max_size=5).map(tuple),
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Certificate, ClearancePolicy]:
    """A policy and a certificate judged under it."""
    policy = draw(policies)
    issued = draw(st.dates(date(2000, 1, 1), date(2040, 12, 31)))
    lifetime = draw(st.none() | st.integers(1, 4000))
    expires = None if lifetime is None else issued + timedelta(days=lifetime)
    # Renewals anywhere in the certificate's life, and often close to its expiry, where the
    # rules change.
    expiry = effective_expiry(Certificate(ClearanceKind.FIRST_AID, issued, expires), policy)
    renewal = draw(
        st.none()
        | st.integers(-30, 4500).map(lambda n: issued + timedelta(days=n))
        | st.integers(-60, 60).map(lambda n: expiry + timedelta(days=n))
    )
    kind = draw(st.sampled_from(ClearanceKind))
    return Certificate(kind, issued, expires, renewal), policy


def change_days(cert: Certificate, policy: ClearancePolicy) -> list[date]:
    """Days on which the rules for a certificate may change its status."""
    expiry = effective_expiry(cert, policy)
    return [
        cert.issued_on,
        expiry - timedelta(days=policy.warning_days),
        expiry,
        expiry + timedelta(days=policy.renewal_grace_days),
    ]


def with_boundary_renewals(cert: Certificate, policy: ClearancePolicy) -> list[Certificate]:
    """The certificate as drawn, plus copies renewed on each side of every change day."""
    renewals = [d + timedelta(days=n) for d in change_days(cert, policy) for n in (-1, 0, 1, 2)]
    return [cert, dataclasses.replace(cert, renewal_applied_on=None)] + [
        dataclasses.replace(cert, renewal_applied_on=r) for r in renewals
    ]


@given(scenario=scenarios(), offsets=st.lists(st.integers(0, 5000), max_size=10))
def test_status_never_improves_as_time_passes_once_issued(
    scenario: tuple[Certificate, ClearancePolicy], offsets: list[int]
) -> None:
    drawn, policy = scenario
    # GIVEN the certificate renewed at random and on either side of every change day
    for certificate in with_boundary_renewals(drawn, policy):
        # AND the days either side of every change day plus random days, from issue onwards
        changes = change_days(certificate, policy)
        if certificate.renewal_applied_on is not None:
            changes.append(certificate.renewal_applied_on)
        near = [d + timedelta(days=n) for d in changes for n in (-1, 0, 1)]
        anywhere = [certificate.issued_on + timedelta(days=n) for n in offsets]
        days = sorted({d for d in near + anywhere if d >= certificate.issued_on})
        # WHEN the certificate is judged on each of those days, in date order
        statuses = [clearance_status(certificate, policy, d) for d in days]
        # THEN no status is less severe than the one before, and none is MISSING once issued
        severities = [s.severity for s in statuses]
        assert severities == sorted(severities), (certificate, list(zip(days, statuses, strict=True)))
        assert ClearanceStatus.MISSING not in statuses


@given(
    scenario=scenarios(),
    start=st.integers(-200, 5000),
    length=st.integers(0, 500),
)
def test_each_reminder_offset_fires_at_most_once_over_any_date_range(
    scenario: tuple[Certificate, ClearancePolicy], start: int, length: int
) -> None:
    certificate, policy = scenario
    # GIVEN any run of consecutive days
    first = certificate.issued_on + timedelta(days=start)
    days = [first + timedelta(days=n) for n in range(length)]
    # WHEN the reminder rule runs once per day
    fired = {d: reminder_due(certificate, policy, d) for d in days}
    sent = Counter(offset for offset in fired.values() if offset is not None)
    # THEN no offset fires twice, and each fires exactly that many days before expiry
    assert all(count == 1 for count in sent.values())
    expiry = effective_expiry(certificate, policy)
    for day, offset in fired.items():
        if offset is not None:
            assert offset in policy.reminder_days
            assert expiry - day == timedelta(days=offset)
