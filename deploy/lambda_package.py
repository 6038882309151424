"""Deterministic Lambda package: same sources → same bytes → same CodeSha256.

Fixed timestamps, permissions and order, so Lambda is updated only when code really changed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

FIXED_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class LambdaPackage:
    """The zip bytes plus the hash Lambda reports back as CodeSha256."""

    data: bytes
    files: tuple[str, ...]

    @property
    def sha256_b64(self) -> str:
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()


def build_zip(source_dir: str | Path) -> LambdaPackage:
    """Zip every `*.py` directly in source_dir (sorted, mode 0644, 1980-01-01)."""
    src = Path(source_dir)
    files = sorted(p for p in src.glob("*.py") if p.is_file())
    if not files:
        raise FileNotFoundError(f"{src}: no *.py files to package for the Lambda")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in files:
            info = zipfile.ZipInfo(path.name, date_time=FIXED_DATE)
            info.external_attr = (0o100644 & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the mode bits are honoured everywhere
            zf.writestr(info, path.read_bytes())
    return LambdaPackage(buf.getvalue(), tuple(p.name for p in files))
