"""What the functional tests share: people signed in, and what the visit tests book with."""

from __future__ import annotations

import pytest

from tests.helpers import ALEX, SAM, SUPERVISOR

# -- people signed in, as a page request carries them (a bearer token, no JSON content type) ------


@pytest.fixture
def sam(token) -> dict:
    """Sam, the demo referrer."""
    return {"Authorization": f"Bearer {token(email=SAM)}"}


@pytest.fixture
def alex(token) -> dict:
    """Alex, a second referrer."""
    return {"Authorization": f"Bearer {token(email=ALEX)}"}


@pytest.fixture
def supervisor(token) -> dict:
    return {"Authorization": f"Bearer {token(email=SUPERVISOR)}"}


@pytest.fixture
def hr(token) -> dict:
    return {"Authorization": f"Bearer {token(role='hr')}"}


# -- what the visit tests book with -----------------------------------------------------------------


@pytest.fixture
def casey(runtime) -> str:
    """The worker id of Casey (a demo worker), cleared to work."""
    from tests.visit_helpers import CASEY, add_worker

    return add_worker("Casey Evans", CASEY)


@pytest.fixture
def referral(runtime) -> str:
    """The id of an accepted referral."""
    from tests.visit_helpers import add_referral

    return add_referral()


@pytest.fixture
def visit_id(client, auth, runtime) -> str:
    """A visit booked yesterday, so its report is due."""
    from tests.report_helpers import book_visit

    return book_visit(client, auth)
