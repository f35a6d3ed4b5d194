"""The DynamoDB client of a cold start: botocore's data read by tether.storage.botocore_data's DataLoader (orjson, and no
listing of every service's directory), with the same models, endpoints and errors as botocore's own."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import UnknownServiceError
from botocore.loaders import Loader, create_loader

from tether.settings import Settings
from tether.storage import base as storage
from tether.storage.botocore_data import DataLoader, data_loader, use_data_loader

DATA = Loader.BUILTIN_DATA_PATH


def stock() -> Loader:
    return create_loader(None)


@pytest.mark.parametrize(
    ("service", "type_name"),
    [
        ("dynamodb", "service-2"),
        ("dynamodb", "endpoint-rule-set-1"),
        ("s3", "service-2"),
        ("sqs", "service-2"),
    ],
)
def test_a_service_model_is_the_one_botocore_loads(service: str, type_name: str) -> None:
    assert DataLoader().load_service_model(service, type_name) == stock().load_service_model(
        service, type_name
    )


def test_the_endpoints_and_defaults_are_botocore_s() -> None:
    for name in ("endpoints", "sdk-default-configuration", "_retry", "partitions"):
        assert DataLoader().load_data(name) == stock().load_data(name)


def test_the_list_of_services_is_botocore_s_and_an_unknown_one_is_refused_alike() -> None:
    ours, theirs = DataLoader(), stock()
    assert list(ours.list_available_services("service-2")) == theirs.list_available_services("service-2")
    assert "dynamodb" in ours.list_available_services("service-2")
    for name in ("no-such-service", "..", "dynamodb/2012-08-10", ""):
        assert name not in ours.list_available_services("service-2")
    # A service without that model type is not listed for it (dynamodb has no `waiters-9`).
    assert "dynamodb" not in ours.list_available_services("waiters-9")
    with pytest.raises(UnknownServiceError) as refused:
        ours.load_service_model("no-such-service", "service-2")
    assert "dynamodb" in str(refused.value)  # botocore's message names the known services


def test_the_data_path_is_honoured(tmp_path: Path) -> None:
    """AWS_DATA_PATH's models come first, as with botocore's loader."""
    model = tmp_path / "dynamodb" / "2099-01-01"
    model.mkdir(parents=True)
    (model / "service-2.json").write_text('{"metadata": {"apiVersion": "2099-01-01"}, "shapes": {}}')
    loader = data_loader(str(tmp_path))
    assert loader.search_paths == create_loader(str(tmp_path)).search_paths
    assert loader.load_service_model("dynamodb", "service-2")["metadata"]["apiVersion"] == "2099-01-01"
    assert data_loader(str(tmp_path)) is loader  # one per search path in the process


def test_building_the_dynamodb_client_lists_no_other_service(
    monkeypatch: pytest.MonkeyPatch, base_settings: Settings, table: str
) -> None:
    """botocore's own loader lists all 400+ service directories (twice) to find dynamodb's model."""
    listed: list[str] = []
    listdir = os.listdir

    def recorded(path: Any = ".") -> list[str]:
        listed.append(os.fspath(path))
        return listdir(path)

    # Read afresh, as in a cold start (the suite shares botocore's loaders: tests/conftest.py).
    data_loader.cache_clear()
    monkeypatch.setattr(botocore.session, "create_loader", create_loader)
    storage.configure(base_settings)
    monkeypatch.setattr(os, "listdir", recorded)
    client = storage.client()
    monkeypatch.setattr(os, "listdir", listdir)
    others = [
        path
        for path in listed
        if path.startswith(DATA) and not path.startswith(os.path.join(DATA, "dynamodb"))
    ]
    assert others == []
    assert client.meta.service_model.service_name == "dynamodb"
    assert client.describe_table(TableName=table)["Table"]["TableName"] == table


def test_the_storage_s_session_reads_its_data_with_it(settings: Settings) -> None:
    storage.client()
    session = storage.TetherModel._get_connection().connection.session
    assert isinstance(session.get_component("data_loader"), DataLoader)
    # A botocore session of our own gets it the same way.
    assert isinstance(
        use_data_loader(botocore.session.get_session()).get_component("data_loader"), DataLoader
    )


# botocore's HTTP module imported as app.py imports it (tether/storage/tls.py), or as botocore alone
# imports it, in a fresh interpreter: the TLS context class it uses, and what it imported.
BOTOCORE_TLS = """
import json, ssl, sys
if sys.argv[1] == "tls":
    from tether.storage import tls
    tls.import_botocore()
import botocore.httpsession
found = {
    "standard_context": botocore.httpsession.SSLContext is ssl.SSLContext,
    "context_type": type(botocore.httpsession.create_urllib3_context()).__name__,
    "pyopenssl": "OpenSSL" in sys.modules,
    "cryptography": "cryptography" in sys.modules,
}
import urllib3.contrib.pyopenssl  # a later importer (Google's or Apple's library) still gets it
found["later"] = "OpenSSL" in sys.modules
print(json.dumps(found))
"""


def test_botocore_is_imported_without_pyopenssl_and_uses_the_same_tls_context() -> None:
    from tests.deploy.test_coldstart import ROOT, fresh_interpreter, prod_environment

    ours = fresh_interpreter(BOTOCORE_TLS, "tls", cwd=ROOT, env=prod_environment())
    botocore_s = fresh_interpreter(BOTOCORE_TLS, "plain", cwd=ROOT, env=prod_environment())
    assert botocore_s["pyopenssl"] is True  # (the package ships pyOpenSSL: botocore imports it)
    assert ours == {
        "standard_context": True,
        "context_type": botocore_s["context_type"],
        "pyopenssl": False,
        "cryptography": False,
        "later": True,
    }
    assert botocore_s["standard_context"] is True
