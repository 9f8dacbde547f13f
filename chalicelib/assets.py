"""The stylesheet and scripts the pages load, kept under `chalicelib/static/` (so they are packaged)
and served by the app: the pages' Content-Security-Policy runs no script and applies no style
written in the page itself.

Each file is served under a name carrying a hash of its content (`site.3f2a9c1b0d4e.css`), so a
browser keeps it for a year and a changed file is a new address: a page never runs a stale script.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "static"
URL_PREFIX = "/assets/"
CONTENT_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
HASH_LENGTH = 12  # hex digits of the SHA-256 of the content: enough to tell versions apart


@dataclass(frozen=True)
class Asset:
    file_name: str  # as kept in the folder: "site.css"
    served_as: str  # as a URL names it: "site.3f2a9c1b0d4e.css"
    body: str
    content_type: str


@lru_cache(maxsize=1)
def assets() -> dict[str, Asset]:
    """Every asset by the name it is served as; read once, with the first page."""
    found = {}
    for path in sorted(FOLDER.iterdir()):
        if path.suffix not in CONTENT_TYPES:
            continue
        body = path.read_text(encoding="utf-8")
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:HASH_LENGTH]
        served_as = f"{path.stem}.{digest}{path.suffix}"
        found[served_as] = Asset(path.name, served_as, body, CONTENT_TYPES[path.suffix])
    return found


def asset_url(file_name: str) -> str:
    """The root-relative address of the asset kept as `file_name` (pages rebase it under a stage
    prefix like every other link). A name with no such file is a fault of the template: it raises."""
    for asset in assets().values():
        if asset.file_name == file_name:
            return URL_PREFIX + asset.served_as
    raise LookupError(f"No asset named {file_name!r} in {FOLDER}")


def asset_served_as(served_as: str) -> Asset | None:
    """The asset a URL names, or None (another version's hash or no such file)."""
    return assets().get(served_as)
