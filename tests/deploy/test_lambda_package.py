"""The Lambda zip: same sources → same bytes → same CodeSha256."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from deploy.lambda_package import build_zip

REPO = Path(__file__).resolve().parents[2]


def test_zip_is_deterministic_across_mtimes_and_modes(tmp_path: Path) -> None:
    src = tmp_path / "lambda"
    src.mkdir()
    (src / "b.py").write_text("B = 1\n")
    (src / "a.py").write_text("A = 1\n")
    (src / "notes.txt").write_text("not packaged\n")
    first = build_zip(src)
    os.utime(src / "a.py", (1e9, 1e9))
    os.chmod(src / "b.py", 0o755)
    second = build_zip(src)
    assert first.data == second.data and first.sha256_b64 == second.sha256_b64
    with zipfile.ZipFile(io.BytesIO(first.data)) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == ["a.py", "b.py"]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {(i.external_attr >> 16) & 0o777 for i in infos} == {0o644}
    (src / "a.py").write_text("A = 2\n")
    assert build_zip(src).sha256_b64 != first.sha256_b64


def test_zip_without_sources_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no \*\.py"):
        build_zip(tmp_path)


def test_the_real_lambda_zip_holds_what_the_handler_imports() -> None:
    """lambda/*.py only: the handler, its contract and the shared error shape."""
    package = build_zip(REPO / "lambda")
    assert set(package.files) >= {"handler.py", "detect_contract.py", "error_shape.py"}
    assert all(name.endswith(".py") and "/" not in name for name in package.files)
