"""The local outbox: every email the embedded SES accepted, kept as an `.eml` file a person can open,
and every text message the embedded SNS accepted, kept as a `.json` file."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

LINK = re.compile(r"https?://[^\s\"'<>]+")


class Outbox:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._sequence = itertools.count()

    def record(self, raw_message: str) -> Path:
        with self._lock:
            name = f"{time.time_ns()}-{next(self._sequence):04d}.eml"
            path = self.folder / name
            path.write_bytes(raw_message.encode("utf-8"))
            return path

    def record_text(self, phone_number: str, message: str) -> Path:
        with self._lock:
            path = self.folder / f"{time.time_ns()}-{next(self._sequence):04d}.json"
            path.write_text(json.dumps({"to": phone_number, "text": message}), encoding="utf-8")
            return path

    def messages(self) -> list[dict]:
        """Newest first, emails and text messages: channel ("email" or "text"), to, reply-to,
        subject, text, html, the links found in the text, and each attachment of an email (its
        file name, type and, for text such as a calendar, its content)."""
        files = sorted([*self.folder.glob("*.eml"), *self.folder.glob("*.json")], key=lambda p: p.name, reverse=True)
        return [self._describe(path) if path.suffix == ".eml" else self._describe_text(path) for path in files]

    def clear(self) -> None:
        for path in [*self.folder.glob("*.eml"), *self.folder.glob("*.json")]:
            path.unlink()

    @staticmethod
    def _describe_text(path: Path) -> dict:
        sent = json.loads(path.read_text(encoding="utf-8"))
        return {
            "id": path.stem,
            "file": path.name,
            "channel": "text",
            "to": [sent["to"]],
            "reply_to": "",
            "subject": "",
            "date": path.stat().st_mtime,
            "text": sent["text"],
            "html": "",
            "links": list(dict.fromkeys(LINK.findall(sent["text"]))),
            "attachments": [],
        }

    @staticmethod
    def _describe(path: Path) -> dict:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        text_part = message.get_body(preferencelist=("plain",))
        html_part = message.get_body(preferencelist=("html",))
        text = text_part.get_content() if text_part else ""
        html = html_part.get_content() if html_part else ""
        return {
            "id": path.stem,
            "file": path.name,
            "channel": "email",
            "to": [a.strip() for a in str(message["To"] or "").split(",") if a.strip()],
            "reply_to": str(message["Reply-To"] or ""),
            "subject": str(message["Subject"] or "").strip(),  # a folded long subject unfolds with a leading space
            "date": path.stat().st_mtime,
            "text": text,
            "html": html,
            "links": list(dict.fromkeys(LINK.findall(text))),
            "attachments": [_attachment(part) for part in message.iter_attachments()],
        }


def _attachment(part) -> dict:  # noqa: ANN001
    content = part.get_content()
    return {
        "filename": part.get_filename() or "",
        "content_type": part.get_content_type(),
        "method": part.get_param("method") or "",
        "text": content if isinstance(content, str) else "",
        "bytes": len(content.encode("utf-8") if isinstance(content, str) else content),
    }
