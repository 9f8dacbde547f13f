"""Family Contact Service: routes, scheduled jobs and workflow steps. Thin by design.

Each route module under `chalicelib/api/` parses, authorises, calls a service and renders;
the workflow Lambdas, one per registry entry, hand their event to `chalicelib/workflows/steps`.
"""

from chalice import Chalice, Cron, Rate

from chalicelib import config, observability
from chalicelib.api import (
    admin_pages,
    approvals,
    assets,
    audit,
    case_reviews,
    case_status,
    case_timeline,
    dashboard,
    decisions,
    families,
    family_members,
    home,
    hr_pages,
    incidents,
    not_found,
    ops,
    referral_drafts,
    referral_pages,
    referrals,
    report_pages,
    reports,
    workers,
)
from chalicelib.api import visit_action_pages as visit_action_routes
from chalicelib.api import visit_pages as visit_page_routes
from chalicelib.api import visits as visit_api_routes
from chalicelib.web.http import no_accept_takes_anything, standard_error_body
from chalicelib.workflows.registry import WORKFLOWS
from chalicelib.workflows.steps import workflow_handler

# Powertools owns the log output (structured JSON); Chalice adds no second handler.
app = Chalice(app_name=config.APP_NAME, configure_logs=False)
app.register_middleware(observability.traced, "all")  # every route, workflow step and schedule: X-Ray
app.register_middleware(standard_error_body, "http")
app.register_middleware(no_accept_takes_anything, "http")  # curl without Accept gets the PDF
app.api.binary_types.append("application/pdf")  # the approved report: base64 to API Gateway, which decodes it

for blueprint in (
    ops.routes,
    home.routes,
    audit.routes,
    referrals.routes,
    approvals.routes,
    decisions.routes,
    reports.routes,
    report_pages.routes,
    workers.routes,
    hr_pages.routes,
    referral_pages.routes,
    referral_drafts.routes,
    visit_api_routes.routes,
    visit_page_routes.routes,
    visit_action_routes.routes,
    admin_pages.routes,
    incidents.routes,
    assets.routes,
    case_reviews.routes,
    case_timeline.routes,
    case_status.routes,
    families.routes,
    family_members.routes,
    dashboard.routes,
    not_found.routes,  # only what no other route takes: API Gateway matches greedy paths last
):
    app.register_blueprint(blueprint)

# The local stage's demo sign-in and /dev routes are not here: `local/` (never packaged) adds them
# with `local.dev_routes.register(app)`. Every other stage signs in through the Cognito user pool's
# hosted pages.
if config.stage() != config.LOCAL_STAGE:
    from chalicelib.api import signin

    app.register_blueprint(signin.routes)


# One Lambda per registered workflow: its Tasks invoke the function the registry names. A module
# attribute of that name, as `@app.lambda_function` would leave: Chalice's handler is `app.<name>`.
def _workflow_steps(workflow: str) -> dict:
    from chalicelib.services.subjects import workflow_steps  # on the first step, not at cold start

    return workflow_steps(workflow)


for _entry in WORKFLOWS.values():
    _handler = workflow_handler(_entry, _workflow_steps)
    globals()[_entry.steps_function] = app.lambda_function(name=_entry.steps_function)(_handler)


@app.schedule(Rate(10, unit=Rate.MINUTES), name="recover_workflows")
def recover_workflows(event):
    """Stops before the function's time runs out; the next run goes on from where it stopped."""
    from chalicelib import clock, jobs

    remaining_ms = event.context.get_remaining_time_in_millis if event.context is not None else None
    return jobs.run("recover-workflows", clock.today(), remaining_ms)


@app.schedule(Cron(0, 6, "*", "*", "?", "*"), name="compliance_scan")
def compliance_scan(event):
    """Daily at 06:00 UTC, so reminders and the HR digest arrive before the working day."""
    from chalicelib import clock, jobs

    return jobs.run("compliance-scan", clock.today())


@app.schedule(Cron(30, 6, "*", "*", "?", "*"), name="case_reviews_due")
def case_reviews_due(event):
    """Daily at 06:30 UTC: the supervisors hear of the case reviews due soon or overdue before the working day."""
    from chalicelib import clock, jobs

    return jobs.run("case-reviews-due", clock.today())


@app.schedule(Rate(1, unit=Rate.HOURS), name="family_reminders")
def family_reminders(event):
    """Hourly: each family member who agreed is reminded of a visit once, the set time before it."""
    from chalicelib import clock, jobs

    return jobs.run("family-reminders", clock.today())


@app.schedule(Cron(0, 7, "?", "*", "MON-FRI", "*"), name="dashboard_digest")
def dashboard_digest(event):
    """Working-day mornings at 07:00 UTC: on the first working day of a month, the admin gets the
    previous month's figures (a digest that failed goes on a later day)."""
    from chalicelib import clock, jobs

    return jobs.run("dashboard-digest", clock.today())


@app.lambda_function(name="dashboard_backfill")
def dashboard_backfill(event, context):
    """One-off, run by hand (`aws lambda invoke --function-name <app>-<stage>-dashboard_backfill out.json`):
    recompute the dashboard's referral counters from the referrals. Running it twice writes the same."""
    from chalicelib import clock, jobs

    return jobs.run("dashboard-backfill", clock.today())


# The topic is the deployment's (`deploy.template.email_events`): CloudFormation names it, so the
# merge template points this subscription at it (`email_events_subscriber`); the name here is Chalice's only.
@app.on_sns_message(topic=config.EMAIL_EVENTS_TOPIC, name="email_events")
def email_events(event):
    """Bounces and complaints SES reports after a send: a family member's is recorded on them."""
    from chalicelib.services import email_events as events

    return events.handle(event.to_dict())
