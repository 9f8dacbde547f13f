"""Outgoing text messages: one SNS `Publish` to a phone number (E.164), sent as transactional
(delivery first, at the account's SMS spend limit, which the deployment sets)."""

from __future__ import annotations

from functools import lru_cache

from chalicelib.config import settings
from chalicelib.observability import logger

TEXT_MAX = 600  # about four SMS parts: a reminder fits in two


@lru_cache(maxsize=1)
def sns_client():
    import boto3
    from botocore.config import Config

    # Bounded like the email client: three tries in the standard mode, a few seconds each.
    config = Config(retries={"total_max_attempts": 3, "mode": "standard"}, connect_timeout=2, read_timeout=5)
    return boto3.client("sns", region_name=settings().region, config=config)


class TextRefused(Exception):
    """SNS would not send to this number (not a reachable mobile, opted out): `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def send(phone_number: str, text: str, *, tag: str) -> str:
    """Send one text message; returns SNS's message id. `tag` names who it was for (no personal
    data), so a delivery failure reported later can be traced back to them."""
    from botocore.exceptions import ClientError

    try:
        response = sns_client().publish(
            PhoneNumber=phone_number,
            Message=text[:TEXT_MAX],
            MessageAttributes={
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": "FamContact"},
                "family_member": {"DataType": "String", "StringValue": tag},
            },
        )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("InvalidParameter", "InvalidParameterValue", "OptedOut", "EndpointDisabled"):
            raise TextRefused(f"the number was refused ({code})") from exc
        raise
    logger().info("text sent", extra={"tag": tag})
    return response["MessageId"]
