"""The test server's speed-only patches answer exactly as moto's own code does."""

from __future__ import annotations

from moto.core import responses, utils
from moto.sagemaker.responses import SageMakerResponse

from tests.support.moto_server import patch_moto


def test_remembered_method_names_are_motos_and_see_a_method_patched_in_or_out() -> None:
    patch_moto()
    assert responses.method_names_from_class is not utils.method_names_from_class
    remembered = responses.method_names_from_class
    assert remembered(SageMakerResponse) == utils.method_names_from_class(SageMakerResponse)

    class Patched(SageMakerResponse):
        pass

    assert "brand_new_action" not in remembered(Patched)
    Patched.brand_new_action = lambda self: None  # type: ignore[attr-defined]
    assert "brand_new_action" in remembered(Patched)
    assert remembered(Patched) == utils.method_names_from_class(Patched)
    del Patched.brand_new_action  # type: ignore[attr-defined]
    assert "brand_new_action" not in remembered(Patched)
