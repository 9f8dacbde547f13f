"""Outgoing email: Jinja2 templates rendered to text + HTML, sent through SES v2 as one MIME message.

An email template is a pair `emails/<name>.txt` and `emails/<name>.html`; the first line of the
text template is `Subject: ...`. An email that invites a reply carries a Reply-To of the monitored
inbox (`settings().reply_to`): the From address is a no-reply one. Attachments (a visit's `.ics`)
ride in the same raw MIME message, so sending stays one SES call. Every email goes through the
stage's SES configuration set (`settings().ses_configuration_set`), which reports bounces and
complaints and suppresses the address.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from functools import lru_cache
from typing import Any

from chalicelib.config import settings
from chalicelib.observability import logger


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=REQUEST"
    data: bytes


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def ses_client():
    import boto3
    from botocore.config import Config

    # Bounded for a request behind API Gateway's 29 s: three tries in the standard mode (throttling
    # and 5xx answers retried with backoff); a workflow step's own Retry takes over after that.
    config = Config(retries={"total_max_attempts": 3, "mode": "standard"}, connect_timeout=2, read_timeout=5)
    return boto3.client("sesv2", region_name=settings().region, config=config)


def render_email(template: str, **context: Any) -> RenderedEmail:
    from chalicelib.templating import render_template

    context.setdefault("base_url", settings().public_base_url)
    text = render_template(f"emails/{template}.txt", **context)
    first, _, rest = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"emails/{template}.txt must start with a 'Subject:' line")
    html = render_template(f"emails/{template}.html", **context)
    return RenderedEmail(subject=first.removeprefix("Subject:").strip(), text=rest.lstrip("\n"), html=html)


SUBJECT_MAX = 200


def header_text(value: str, limit: int = SUBJECT_MAX) -> str:
    """`value` as one header line whatever it holds: CR, LF, U+2028 and every other character
    that breaks a line (see `domain.fields.breaks_a_line`) become spaces, runs of spaces one."""
    from chalicelib.domain.fields import breaks_a_line

    return " ".join("".join(" " if breaks_a_line(ch) else ch for ch in value).split())[:limit]


def body_text(value: str) -> str:
    """`value` as UTF-8 can carry it: a lone surrogate becomes "?"."""
    return value.encode("utf-8", "replace").decode("utf-8")


def build_message(
    to: list[str],
    email: RenderedEmail,
    sender: str,
    *,
    reply_to: str | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> EmailMessage:
    """One MIME message (text and HTML, then any attachments) no stored text can break: the
    subject is one clean line."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = header_text(sender)
    message["To"] = ", ".join(header_text(address) for address in to)
    if reply_to:
        message["Reply-To"] = header_text(reply_to)
    message["Subject"] = header_text(email.subject)
    message["Message-ID"] = make_msgid(domain="familycontact.example")
    message.set_content(body_text(email.text))
    message.add_alternative(body_text(email.html), subtype="html")
    for attachment in attachments:
        kind, *parameters = (part.strip() for part in attachment.content_type.split(";"))
        maintype, subtype = kind.split("/", 1)
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=dict(p.split("=", 1) for p in parameters),
        )
    return message


def send(
    to: str | list[str],
    template: str,
    *,
    invites_reply: bool = False,
    attachments: tuple[Attachment, ...] = (),
    tags: dict[str, str] | None = None,
    **context: Any,
) -> str:
    """Render and send one email; returns the SES message id. One SES call.

    `invites_reply`: the email asks its reader to reply, so replies go to the monitored inbox.
    `tags`: SES message tags (letters, digits, `_-.@` only), which the bounce and complaint
    events carry, so a bounce can be traced back to whom the email was for."""
    recipients = [to] if isinstance(to, str) else list(to)
    email = render_email(template, **context)
    reply_to = settings().reply_to if invites_reply else None
    message = build_message(recipients, email, settings().mail_from, reply_to=reply_to, attachments=attachments)
    response = ses_client().send_email(
        FromEmailAddress=settings().mail_from,
        Destination={"ToAddresses": recipients},
        Content={"Raw": {"Data": message.as_bytes()}},
        ConfigurationSetName=settings().ses_configuration_set,
        **({"EmailTags": [{"Name": k, "Value": v} for k, v in tags.items()]} if tags else {}),
    )
    # The template name says what was sent; recipients and content stay out of the log.
    logger().info("email sent", extra={"template": template, "recipients": len(recipients)})
    return response["MessageId"]
