"""Family Contact Service: routes, scheduled jobs and workflow steps. Thin by design.

Each route module under `chalicelib/api/` parses, authorises, calls a service and renders;
the workflow steps below hand their event to `chalicelib/workflows/steps`.
"""

from chalice import Chalice

from chalicelib import config
from chalicelib.api import approvals, audit, home, ops, referrals

app = Chalice(app_name=config.APP_NAME)

for blueprint in (ops.routes, home.routes, audit.routes, referrals.routes, approvals.routes):
    app.register_blueprint(blueprint)

if config.stage() == config.LOCAL_STAGE:  # never part of a packaged stage
    from chalicelib.api import dev

    app.register_blueprint(dev.routes)


@app.lambda_function(name="referral_workflow")
def referral_workflow(event, context):
    from chalicelib.workflows.steps import referral_step

    return referral_step(event)
