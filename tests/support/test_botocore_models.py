"""The shared botocore loader: sessions read each model once, and read the same model."""

from __future__ import annotations

import boto3
import botocore.session

from tests.support.botocore_models import share, shared_loader


def test_every_session_reads_through_one_loader_and_gets_the_same_model() -> None:
    share()  # tests/conftest.py did it already: idempotent
    first, second = botocore.session.Session(), botocore.session.Session()
    assert first.get_component("data_loader") is second.get_component("data_loader")
    model = first.get_service_model("sagemaker")
    assert model.operation_model("CreateEndpoint").name == "CreateEndpoint"
    again = second.get_service_model("sagemaker")
    assert again.service_name == "sagemaker" and again.api_version == model.api_version
    # boto3's sessions, as deploy/aws.py makes them, build clients as before
    client = boto3.Session(region_name="eu-west-1").client(
        "sts", aws_access_key_id="a", aws_secret_access_key="b"
    )
    assert client.meta.region_name == "eu-west-1" and hasattr(client, "get_caller_identity")


def test_another_data_path_gets_a_loader_of_its_own(tmp_path) -> None:
    extra = str(tmp_path)
    mine = shared_loader(extra)
    assert mine is shared_loader(extra)
    assert mine is not shared_loader(None)
    assert extra in mine.search_paths
