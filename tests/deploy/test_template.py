"""template.yaml: it validates, it builds without Docker, its table is the code's table, and it is locked down."""

from __future__ import annotations

import ast
import copy
import dataclasses
import fnmatch
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

import app
from localdev import sqs as local_sqs
from tests.deploy.cfn import REGION, ROOT, TEMPLATE, load_samconfig, load_template, sam
from tests.deploy.sam_cache import dependencies_cache
from tether.chat.assistant import LEASE_MARGIN_SECONDS
from tether.settings import Settings
from tether.storage import base as storage

TABLE_ACTIONS = {
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:TransactWriteItems",
    "dynamodb:TransactGetItems",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
}
# What must never reach the Lambda zip (the dev database, tooling, tests, caches).
NOT_SHIPPED = ["tests", ".data", "node_modules", ".cache", ".venv", "localdev", "bench", "template.yaml"]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def resource(template: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"][name]
    return found


def properties(template: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = resource(template, name)["Properties"]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# CorePolicy's statements: what every function shares with the API (the table, the keys read at
# start, the chat model and its key, the pokes).
CORE_STATEMENTS = (
    "TableReadWrite",
    "CursorSigningKey",
    "AuditHashKey",
    "ChatModel",
    "ChatApiKey",
    "PokeConnections",
)


def beyond_core(template: dict[str, Any], name: str) -> dict[str, Any]:
    """A function's statements other than CorePolicy's, by Sid, once its CorePolicy statements are
    checked to be exactly the API's."""
    shared = {s["Sid"]: s for s in statements(template, "TetherFunction")}
    own = {s["Sid"]: s for s in statements(template, name)}
    for sid in CORE_STATEMENTS:
        assert own.pop(sid, None) == shared[sid], sid
    return own


FUNCTIONS = ("TetherFunction", "ChatWorkerFunction", "CatalogPublisherFunction")


def deployed(template: dict[str, Any], name: str) -> dict[str, Any]:
    """A function's properties as SAM deploys them: the template's Globals, then its own."""

    def merged(shared: Any, own: Any) -> Any:
        if isinstance(shared, dict) and isinstance(own, dict):
            return {
                key: merged(shared.get(key), own.get(key)) if key in own else shared[key]
                for key in {**shared, **own}
            }
        return own

    found: dict[str, Any] = merged(template["Globals"]["Function"], properties(template, name))
    return found


def statements(template: dict[str, Any], name: str = "TetherFunction") -> list[dict[str, Any]]:
    """Every statement a function's role gets: its inline policies and the template's own managed
    policies it names (no AWS-managed ones, whose permissions the template does not state)."""
    found = []
    for policy in properties(template, name)["Policies"]:
        if set(policy) == {"Ref"}:
            managed = resource(template, policy["Ref"])
            assert managed["Type"] == "AWS::IAM::ManagedPolicy", policy
            policy = managed["Properties"]["PolicyDocument"]
        assert isinstance(policy, dict), "only policies the template states"
        assert "Statement" in policy, "only policies the template states"
        found += policy["Statement"]
    return found


def walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def _runtime_imports(node: ast.AST) -> Iterator[str]:
    """Absolute imports anywhere in the module, except under `if TYPE_CHECKING:`."""
    if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
        for statement in node.orelse:
            yield from _runtime_imports(statement)
        return
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        yield node.module
    for child in ast.iter_child_nodes(node):
        yield from _runtime_imports(child)


# ---------------------------------------------------------------- validation and build


def test_sam_validate_and_lint_pass_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sam validate --lint` (cfn-lint, every rule) and SAM's own validation need no AWS credentials."""
    lint = sam("validate", "--lint", "--template-file", str(TEMPLATE), "--region", REGION, cwd=tmp_path)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "is a valid SAM Template" in lint.stdout
    # What `sam validate` does without --lint (samconfig.toml turns --lint on for every `sam validate`,
    # so a second run of the CLI would only lint again): the SAM translator's validation, in process.
    from samcli.lib.translate.sam_template_validator import SamTemplateValidator  # type: ignore[import-untyped]
    from samcli.yamlhelper import yaml_parse  # type: ignore[import-untyped]
    from samtranslator.translator.managed_policy_translator import (  # type: ignore[import-untyped]
        ManagedPolicyLoader,
    )

    for variable in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(variable)  # no credentials: an IAM lookup would fail the validation
    iam = boto3.client("iam", region_name=REGION)
    validator = SamTemplateValidator(
        yaml_parse(TEMPLATE.read_text()), ManagedPolicyLoader(iam), region=REGION
    )
    validator.get_translated_template_if_valid()


@pytest.mark.slow
@pytest.mark.xdist_group("sam")
@pytest.mark.timeout(720)  # sam runs `pip wheel` once per dependency: about 10 s each on these machines
def test_sam_build_packages_only_the_runtime_without_docker(tmp_path: Path) -> None:
    """`sam build` as `sam deploy` would run it: python3.11 + pip, arm64 wheels, the code via function/."""
    build_dir = tmp_path / "build"
    # The arm64 dependencies are SAM's own, downloaded again whenever the lock changes (sam_cache.py).
    with dependencies_cache(ROOT / "function" / "requirements.txt", build_dir, ROOT / "function") as work:
        result = sam(
            "build",
            "--template-file",
            str(TEMPLATE),
            "--build-dir",
            str(build_dir),
            cwd=work,
            timeout=660,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    artifact = build_dir / "TetherFunction"
    # The reply worker is the same build (SAM builds a CodeUri once and copies it).
    assert (build_dir / "ChatWorkerFunction" / "app.py").read_text() == (ROOT / "app.py").read_text()

    assert (artifact / "app.py").read_text() == (ROOT / "app.py").read_text()
    for package in ("tether", "resolvers"):
        assert (artifact / package / "__init__.py").is_file(), package
        assert not (artifact / package).is_symlink()
    assert (artifact / "static" / "graphiql" / "index.html").is_file()
    # The trusted documents ship at the package root (TETHER_PERSISTED_DOCUMENTS=manifest in prod).
    shipped_manifest = artifact / "persisted-query-manifest.json"
    assert shipped_manifest.read_text() == (ROOT / "graphql" / "persisted-query-manifest.json").read_text()
    assert not (artifact / "graphql" / "operations").exists(), "graphql/ is graphql-core's there"
    shipped_static = sorted(p.relative_to(artifact) for p in (artifact / "static").rglob("*") if p.is_file())
    assert shipped_static == sorted(p.relative_to(ROOT) for p in (ROOT / "static").rglob("*") if p.is_file())
    for dependency in ("strawberry", "graphql", "starlette", "mangum", "pynamodb", "jwt", "ulid"):
        assert (artifact / dependency / "__init__.py").is_file(), dependency
    for unwanted in NOT_SHIPPED:
        assert not (artifact / unwanted).exists(), f"{unwanted} must not be in the Lambda zip"
    assert not list(artifact.rglob("__pycache__"))

    # Binary wheels are Linux arm64 ones (Architectures: [arm64]), not this machine's.
    rust = artifact / "cryptography" / "hazmat" / "bindings" / "_rust.abi3.so"
    elf = rust.read_bytes()[:20]
    assert elf[:4] == b"\x7fELF"
    assert int.from_bytes(elf[18:20], "little") == 183, "cryptography must be built for aarch64 (EM_AARCH64)"

    # Everything our code imports at run time is in the zip (or the standard library).
    missing = set()
    for source in [
        artifact / "app.py",
        *(artifact / "tether").rglob("*.py"),
        *(artifact / "resolvers").rglob("*.py"),
    ]:
        for name in _runtime_imports(ast.parse(source.read_text())):
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top == "__future__":
                continue
            if not ((artifact / top).is_dir() or (artifact / f"{top}.py").is_file()):
                missing.add(f"{top} (imported by {source.relative_to(artifact)})")
    assert not missing, f"imported but not packaged: {sorted(missing)}"


# ---------------------------------------------------------------- the table equals the code's table


def _key_schema(elements: list[dict[str, Any]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((element["AttributeName"], element["KeyType"]) for element in elements))


def _indexes(indexes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        index["IndexName"]: {
            "keys": _key_schema(index["KeySchema"]),
            "projection": index["Projection"]["ProjectionType"],
            "non_key_attributes": sorted(index["Projection"].get("NonKeyAttributes", [])),
        }
        for index in indexes
    }


def _table_shape(
    attributes: list[dict[str, Any]],
    keys: list[dict[str, Any]],
    lsis: list[dict[str, Any]],
    gsis: list[dict[str, Any]],
    ttl_attribute: str | None,
) -> dict[str, Any]:
    return {
        "attributes": sorted((a["AttributeName"], a["AttributeType"]) for a in attributes),
        "keys": _key_schema(keys),
        "local_indexes": _indexes(lsis),
        "global_indexes": _indexes(gsis),
        "ttl_attribute": ttl_attribute,
    }


def test_table_in_template_equals_the_table_the_code_creates(
    template: dict[str, Any], settings: Settings
) -> None:
    dynamodb = storage.client()
    described = dynamodb.describe_table(TableName=settings.table_name)["Table"]
    ttl = dynamodb.describe_time_to_live(TableName=settings.table_name)["TimeToLiveDescription"]
    assert ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
    created = _table_shape(
        described["AttributeDefinitions"],
        described["KeySchema"],
        described.get("LocalSecondaryIndexes", []),
        described.get("GlobalSecondaryIndexes", []),
        ttl.get("AttributeName"),
    )

    table = properties(template, "TetherTable")
    assert table["TimeToLiveSpecification"]["Enabled"] is True
    declared = _table_shape(
        table["AttributeDefinitions"],
        table["KeySchema"],
        table.get("LocalSecondaryIndexes", []),
        table.get("GlobalSecondaryIndexes", []),
        table["TimeToLiveSpecification"]["AttributeName"],
    )

    assert declared == created, (
        "template.yaml's TetherTable differs from the table tether/storage/base.py creates: update the template"
    )
    assert table["BillingMode"] == described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_table_and_bucket_survive_stack_deletion(template: dict[str, Any]) -> None:
    for name in ("TetherTable", "MediaBucket", "UserPool"):
        assert resource(template, name)["DeletionPolicy"] == "Retain", name
        assert resource(template, name)["UpdateReplacePolicy"] == "Retain", name


# ---------------------------------------------------------------- what a security reviewer checks


def test_table_has_point_in_time_recovery_and_encryption(template: dict[str, Any]) -> None:
    table = properties(template, "TetherTable")
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True


def test_media_bucket_is_private_encrypted_and_tls_only(template: dict[str, Any]) -> None:
    bucket = properties(template, "MediaBucket")
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    rules = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rules
    assert all(
        rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms", "aws:kms:dsse")
        for rule in rules
    )
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert "AccessControl" not in bucket

    policy = properties(template, "MediaBucketPolicy")
    assert policy["Bucket"] == {"Ref": "MediaBucket"}
    deny = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in deny)
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert not allows, "the bucket policy grants nothing; the function's role does"


def test_the_api_allows_the_headers_the_local_server_allows(template: dict[str, Any]) -> None:
    cors = properties(template, "HttpApi")["CorsConfiguration"]["Fn::If"]
    for branch in cors[1:]:
        assert branch["AllowHeaders"] == app.CORS_ALLOW_HEADERS


def _routes(template: dict[str, Any]) -> dict[str, Any]:
    events = properties(template, "TetherFunction")["Events"]
    return {
        f"{event['Properties']['Method'].upper()} {event['Properties']['Path']}": event["Properties"]
        for event in events.values()
        if event["Type"] == "HttpApi"
    }


def test_the_erasure_job_runs_hourly_in_the_same_function(template: dict[str, Any]) -> None:
    event = properties(template, "TetherFunction")["Events"]["EraseDueAccounts"]
    assert event["Type"] == "Schedule"
    assert event["Properties"]["Schedule"] == "rate(1 hour)"
    assert json.loads(event["Properties"]["Input"]) == {"tetherJob": "erase-due-accounts"}


def test_the_function_verifies_every_token_itself_for_every_issuer(template: dict[str, Any]) -> None:
    """An HTTP API JWT authorizer takes one issuer and checks `aud` or `client_id` either-or, so no
    route has one: the function verifies Cognito, Google and Apple tokens itself (docs/security.md)."""
    api = properties(template, "HttpApi")
    routes = _routes(template)
    assert set(routes) == {
        "POST /graphql",
        "GET /graphql",
        "GET /graphiql/{proxy+}",
        "POST /webhooks/app-store",
        "POST /webhooks/play",
    }
    for route in routes.values():
        assert route["ApiId"] == {"Ref": "HttpApi"}
        assert "Auth" not in route
    assert "Auth" not in api
    variables = deployed(template, "TetherFunction")["Environment"]["Variables"]
    issuer = "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"
    assert variables["TETHER_JWT_ISSUER"] == {"Fn::Sub": issuer}
    assert variables["TETHER_JWT_AUDIENCE"] == {"Ref": "UserPoolClient"}
    assert variables["TETHER_GOOGLE_CLIENT_IDS"] == {"Ref": "GoogleSignInClientIds"}
    assert variables["TETHER_APPLE_CLIENT_IDS"] == {"Ref": "AppleClientIds"}


def test_the_deployed_api_has_no_authorizer_and_the_cors_rules(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OpenAPI body SAM generates (what API Gateway gets): every route reaches the function."""
    from samtranslator.translator.transform import transform  # type: ignore[import-untyped]

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    packaged = copy.deepcopy(template)  # as `sam deploy` uploads it: the code is in S3
    packaged["Globals"]["Function"]["CodeUri"] = "s3://bucket/key"

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    translated = transform(packaged, {}, NoManagedPolicies())
    body = translated["Resources"]["HttpApi"]["Properties"]["Body"]
    for path, method in (("/graphql", "post"), ("/graphql", "get"), ("/graphiql/{proxy+}", "get")):
        assert "security" not in body["paths"][path][method]
    assert "securitySchemes" not in body.get("components", {})
    assert set(body["paths"]) == {"/graphql", "/graphiql/{proxy+}", "/webhooks/app-store", "/webhooks/play"}
    cors = body["x-amazon-apigateway-cors"]["Fn::If"]
    assert cors[0] == "AnyOrigin"
    for branch in cors[1:]:
        assert branch["allowCredentials"] is False
        assert branch["allowHeaders"] == app.CORS_ALLOW_HEADERS
        assert branch["allowMethods"] == ["GET", "POST"]


def test_function_policy_is_least_privilege(template: dict[str, Any]) -> None:
    found = statements(template)
    for statement in found:
        assert statement["Effect"] == "Allow"
        resources = as_list(statement["Resource"])
        assert "*" not in resources, statement
        actions = as_list(statement["Action"])
        assert not any(action.endswith("*") for action in actions), statement

    table = [s for s in found if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))]
    assert {a for s in table for a in as_list(s["Action"])} == TABLE_ACTIONS
    for statement in table:
        assert as_list(statement["Resource"]) == [
            {"Fn::GetAtt": ["TetherTable", "Arn"]},
            {"Fn::Sub": "${TetherTable.Arn}/index/*"},
        ]

    media = [s for s in found if any(a.startswith("s3:") for a in as_list(s["Action"]))]
    granted = {(a, str(r)) for s in media for a in as_list(s["Action"]) for r in as_list(s["Resource"])}
    objects, bucket = str({"Fn::Sub": "${MediaBucket.Arn}/*"}), str({"Fn::GetAtt": ["MediaBucket", "Arn"]})
    user_data = str({"Fn::Sub": "${MediaBucket.Arn}/users/*"})
    assert granted == {
        ("s3:GetObject", objects),
        ("s3:PutObject", objects),
        ("s3:DeleteObject", objects),
        ("s3:ListBucket", bucket),
        # data export and erasure, under the users' prefix only
        ("s3:PutObjectTagging", user_data),
        ("s3:AbortMultipartUpload", user_data),
        ("s3:DeleteObjectVersion", user_data),
        ("s3:ListBucketVersions", bucket),
        ("s3:ListBucketMultipartUploads", bucket),
    }

    cognito = [s for s in found if any(a.startswith("cognito-idp:") for a in as_list(s["Action"]))]
    assert cognito == [
        {
            "Sid": "AccountErasure",
            "Effect": "Allow",
            "Action": [
                "cognito-idp:AdminDeleteUser",
                "cognito-idp:AdminDisableUser",
                "cognito-idp:AdminEnableUser",
                "cognito-idp:AdminUserGlobalSignOut",
            ],
            "Resource": {"Fn::GetAtt": ["UserPool", "Arn"]},
        }
    ]
    secrets = [s for s in found if any(a.startswith("secretsmanager:") for a in as_list(s["Action"]))]
    assert secrets == [
        {
            "Sid": "CursorSigningKey",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": {"Ref": "CursorSecret"},
        },
        {
            "Sid": "AuditHashKey",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": {"Ref": "AuditSecret"},
        },
        {
            "Sid": "PlayServiceAccountKey",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": {"Ref": "PlayCredentialsSecret"},
        },
    ]
    model = [s for s in found if any(a.startswith("bedrock:") for a in as_list(s["Action"]))]
    assert model == [
        {
            "Sid": "ChatModel",
            "Effect": "Allow",
            "Action": "bedrock:InvokeModel",
            "Resource": {
                "Fn::Sub": "arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/${BedrockModelId}"
            },
        }
    ]
    chat_key = [s for s in found if any(a.startswith("ssm:") for a in as_list(s["Action"]))]
    assert chat_key == [
        {
            "Sid": "ChatApiKey",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": {
                "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/tether/${Stage}/chat-api-key"
            },
        }
    ]
    pokes = [s for s in found if any(a.startswith("execute-api:") for a in as_list(s["Action"]))]
    assert pokes == [
        {
            "Sid": "PokeConnections",
            "Effect": "Allow",
            "Action": "execute-api:ManageConnections",
            "Resource": {
                "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/${Stage}/POST/@connections/*"
            },
        }
    ]
    queue = [s for s in found if any(a.startswith("sqs:") for a in as_list(s["Action"]))]
    assert queue == [
        {
            "Sid": "ChatReplyJobs",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",  # the worker's function receives and deletes them
            "Resource": {"Fn::GetAtt": ["ChatReplyQueue", "Arn"]},
        },
        {
            "Sid": "CatalogPublishJobs",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",  # the publisher's function receives and deletes them
            "Resource": {"Fn::GetAtt": ["CatalogPublishQueue", "Arn"]},
        },
    ]
    assert len(found) == (
        len(table)
        + len(media)
        + len(cognito)
        + len(secrets)
        + len(model)
        + len(chat_key)
        + len(pokes)
        + len(queue)
    ), "no other permissions"


def test_the_reply_worker_may_do_only_what_a_reply_needs(template: dict[str, Any]) -> None:
    """The worker shares the API's table, keys (read at start), model and poke permissions, reads
    only attachments and catalog media, and only consumes the queue: no Cognito, no writes to the
    bucket, no Play key, no sending of jobs."""
    worker = beyond_core(template, "ChatWorkerFunction")
    assert set(worker) == {"AssistantReads", "ChatReplyJobs"}
    assert worker["AssistantReads"] == {
        "Sid": "AssistantReads",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": [
            {"Fn::Sub": "${MediaBucket.Arn}/users/*/attachments/*"},
            {"Fn::Sub": "${MediaBucket.Arn}/catalog/*"},
            {"Fn::Sub": "${MediaBucket.Arn}/catalog-index/*"},
        ],
    }
    # What an SQS event source mapping needs of the function's role, nothing more.
    assert worker["ChatReplyJobs"] == {
        "Sid": "ChatReplyJobs",
        "Effect": "Allow",
        "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        "Resource": {"Fn::GetAtt": ["ChatReplyQueue", "Arn"]},
    }
    # The keys the attachments and the catalog's media live under.
    from tether.attachments import object_key

    assert fnmatch.fnmatch(
        f"arn/{object_key('someone', '01ARZ3NDEKTSV4RRFFQ69G5FAV')}",
        worker["AssistantReads"]["Resource"][0]["Fn::Sub"].replace("${MediaBucket.Arn}", "arn"),
    )


def test_user_pool_and_app_client(template: dict[str, Any]) -> None:
    pool = properties(template, "UserPool")
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    password = pool["Policies"]["PasswordPolicy"]
    assert password["MinimumLength"] >= 12
    assert all(password[f"Require{kind}"] for kind in ("Lowercase", "Uppercase", "Numbers", "Symbols"))
    assert pool["DeletionProtection"] == {"Fn::If": ["IsProd", "ACTIVE", "INACTIVE"]}
    assert properties(template, "AdminGroup")["GroupName"] == "admin"

    client = properties(template, "UserPoolClient")
    assert client["GenerateSecret"] is False
    assert set(client["ExplicitAuthFlows"]) == {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert client["AllowedOAuthFlows"] == ["code"]
    assert set(client["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert client["SupportedIdentityProviders"] == {
        "Fn::If": ["HasGoogle", ["COGNITO", {"Ref": "GoogleIdentityProvider"}], ["COGNITO"]]
    }
    assert resource(template, "GoogleIdentityProvider")["Condition"] == "HasGoogle"
    assert template["Parameters"]["GoogleClientSecret"]["NoEcho"] is True


def test_function_runs_the_app_handler_with_its_settings(template: dict[str, Any]) -> None:
    # The reply worker is the same code with the same settings (Globals), on its own memory.
    api, worker, publisher = (deployed(template, name) for name in FUNCTIONS)
    for key in ("CodeUri", "Handler", "Runtime", "Architectures", "Environment", "Timeout"):
        assert worker[key] == api[key], key
    for key in ("CodeUri", "Handler", "Runtime", "Architectures", "Environment"):
        assert publisher[key] == api[key], key
    assert worker["MemorySize"] == {"Ref": "ChatWorkerMemorySize"}
    assert template["Parameters"]["ChatWorkerMemorySize"]["Default"] < api["MemorySize"]
    function = api
    assert function["CodeUri"] == "function/"
    module, _, attribute = function["Handler"].partition(".")
    assert (ROOT / "function" / f"{module}.py").resolve() == Path(app.__file__).resolve()
    assert callable(getattr(app, attribute))
    assert function["Runtime"] == f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert function["Architectures"] == ["arm64"]
    assert function["Timeout"] < 29, "API Gateway answers 503 after 29 s: time out first"

    variables = function["Environment"]["Variables"]
    assert variables["TETHER_STAGE"] == {"Ref": "Stage"}
    assert variables["TETHER_TABLE"] == {"Ref": "TetherTable"}
    assert variables["TETHER_MEDIA_BUCKET"] == {"Ref": "MediaBucket"}
    assert variables["TETHER_CURSOR_SECRET_ARN"] == {"Ref": "CursorSecret"}
    assert variables["TETHER_CHAT_PROVIDER"] == {"Ref": "ChatProvider"}
    assert template["Parameters"]["ChatProvider"]["Default"] == "bedrock"
    # The model the function may invoke is the model it is told to use.
    assert variables["TETHER_CHAT_BEDROCK_MODEL"] == {"Ref": "BedrockModelId"}
    assert variables["TETHER_CHAT_API_KEY_ARN"] == {
        "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/tether/${Stage}/chat-api-key"
    }
    assert variables["TETHER_AUDIT_SECRET_ARN"] == {"Ref": "AuditSecret"}
    assert variables["TETHER_USER_POOL_ID"] == {"Ref": "UserPool"}
    assert variables["TETHER_COGNITO_CLIENT_ID"] == {"Ref": "UserPoolClient"}
    assert variables["TETHER_PLAY_CREDENTIALS_ARN"] == {"Ref": "PlayCredentialsSecret"}
    assert variables["TETHER_APPLE_BUNDLE_ID"] == {"Ref": "AppleBundleId"}
    assert "TETHER_CURSOR_SECRET" not in variables, "secrets come from Secrets Manager, never plain env"
    assert "TETHER_AUDIT_SECRET" not in variables
    assert "TETHER_S3_ENDPOINT" not in variables
    assert "TETHER_DYNAMODB_ENDPOINT" not in variables
    assert not any(name.startswith("TETHER_DEV_PUBLIC_KEY") for name in variables)
    assert "POWERTOOLS_LOGGER_LOG_EVENT" not in variables, "logging events would log Authorization headers"
    # Every TETHER_* variable is a setting the code reads (a typo would silently fall back to a default).
    known = {spec.metadata["env"] for spec in dataclasses.fields(Settings)}
    assert {name for name in variables if name.startswith("TETHER_")} <= known
    assert template["Parameters"]["Stage"]["AllowedValues"] == ["dev", "prod"]
    # What the template sets is a complete prod configuration (Settings refuses an incomplete one).
    numbers = {
        spec.metadata["env"] for spec in dataclasses.fields(Settings) if str(spec.type).startswith("int")
    }
    environment = {
        name: value if isinstance(value, str) else ("1" if name in numbers else f"<{name}>")
        for name, value in variables.items()
    }
    assert Settings.from_env({**environment, "TETHER_STAGE": "prod"}).is_prod


@pytest.mark.parametrize(
    ("name", "group", "suffix"),
    [
        ("TetherFunction", "FunctionLogGroup", "graphql"),
        ("ChatWorkerFunction", "ChatWorkerLogGroup", "chat-worker"),
        ("CatalogPublisherFunction", "CatalogPublisherLogGroup", "catalog-publisher"),
    ],
)
def test_logs_are_kept_for_the_configured_days(
    template: dict[str, Any], name: str, group: str, suffix: str
) -> None:
    function = deployed(template, name)
    assert function["LoggingConfig"]["LogFormat"] == "JSON"
    assert function["LoggingConfig"]["LogGroup"] == {"Ref": group}
    log_group = properties(template, group)
    assert log_group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{suffix}"}
    assert function["FunctionName"] == {"Fn::Sub": f"${{AWS::StackName}}-{suffix}"}
    assert log_group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_alarms_watch_errors_throttles_and_5xx(template: dict[str, Any]) -> None:
    alarms = {
        (props["Namespace"], props["MetricName"], json.dumps(props["Dimensions"][0]["Value"])): props
        for props in (
            r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"
        )
    }
    api, worker, publisher = (json.dumps({"Ref": name}) for name in FUNCTIONS)
    dead_letters = json.dumps({"Fn::GetAtt": ["ChatReplyDeadLetterQueue", "QueueName"]})
    dead_publishes = json.dumps({"Fn::GetAtt": ["CatalogPublishDeadLetterQueue", "QueueName"]})
    assert set(alarms) == {
        ("AWS/Lambda", "Errors", api),
        ("AWS/Lambda", "Throttles", api),
        ("AWS/Lambda", "Errors", worker),  # the reply worker's too (out of memory is one)
        ("AWS/Lambda", "Errors", publisher),  # and the catalog publisher's
        ("AWS/ApiGateway", "5xx", json.dumps({"Ref": "HttpApi"})),
        # reply jobs and catalog publish jobs in their dead-letter queues
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", dead_letters),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", dead_publishes),
    }
    for alarm in alarms.values():
        assert alarm["Threshold"] == 0
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["AlarmActions"] == {
            "Fn::If": ["HasAlarmEmail", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]
        }
    assert resource(template, "AlarmTopic")["Condition"] == "HasAlarmEmail"
    assert resource(template, "AlarmEmailSubscription")["Condition"] == "HasAlarmEmail"


def test_outputs_tell_the_apps_where_to_go(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["GraphQLUrl"]["Value"] == {
        "Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.amazonaws.com/graphql"
    }
    for name in (
        "UserPoolId",
        "UserPoolClientId",
        "UserPoolDomain",
        "HostedUiUrl",
        "TableName",
        "MediaBucketName",
    ):
        assert name in outputs, name
    # No output hands out a secret.
    assert not any(node == {"Ref": "GoogleClientSecret"} for node in walk(outputs))


def test_samconfig_deploys_dev_by_default_and_prod_with_confirmation() -> None:
    config = load_samconfig()
    assert config["version"] == 0.1
    dev, prod = config["default"]["deploy"]["parameters"], config["prod"]["deploy"]["parameters"]
    assert (dev["stack_name"], dev["parameter_overrides"]) == ("tether-dev", "Stage=dev")
    assert (prod["stack_name"], prod["parameter_overrides"]) == ("tether-prod", "Stage=prod")
    assert prod["confirm_changeset"] is True
    for stage in (dev, prod):
        assert stage["resolve_s3"] is True
        assert stage["capabilities"] == "CAPABILITY_IAM"
        assert stage["region"] == REGION
    assert config["default"]["build"]["parameters"] == {"cached": True, "parallel": True}
    assert config["default"]["validate"]["parameters"] == {"lint": True}


def test_data_exports_expire_from_the_bucket_after_a_day(template: dict[str, Any]) -> None:
    from tether.accounts.export import TAGS

    rules = {
        rule["Id"]: rule for rule in properties(template, "MediaBucket")["LifecycleConfiguration"]["Rules"]
    }
    expire = rules["ExpireDataExports"]
    key, _, value = TAGS.partition("=")
    assert expire["TagFilters"] == [{"Key": key, "Value": value}]
    assert (expire["Status"], expire["ExpirationInDays"]) == ("Enabled", 1)
    assert expire["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}


def test_replaced_versions_of_the_catalog_index_expire_after_a_day(template: dict[str, Any]) -> None:
    from tether.catalog.index import PREFIX, IndexStore
    from tether.media import Media

    rules = {
        rule["Id"]: rule for rule in properties(template, "MediaBucket")["LifecycleConfiguration"]["Rules"]
    }
    expire = rules["ExpireReplacedCatalogIndex"]
    assert (expire["Status"], expire["Prefix"]) == ("Enabled", PREFIX)
    assert expire["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    assert "ExpirationInDays" not in expire  # the current index stays, however old
    assert IndexStore(Media(Settings()), "CATALOG").manifest_key.startswith(PREFIX)


def test_uploaded_attachments_reach_the_function_and_uncompleted_ones_expire(
    template: dict[str, Any],
) -> None:
    from tether.uploads import PENDING_TAGS

    bucket = properties(template, "MediaBucket")
    assert bucket["NotificationConfiguration"] == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}
    event = properties(template, "TetherFunction")["Events"]["AttachmentUploaded"]
    assert event["Type"] == "EventBridgeRule"
    pattern = event["Properties"]["Pattern"]
    assert (pattern["source"], pattern["detail-type"]) == (["aws.s3"], ["Object Created"])
    assert pattern["detail"]["bucket"]["name"] == [{"Ref": "MediaBucket"}]
    # The keys it matches are the keys attachments are stored under.
    from tether.attachments import object_key

    wildcard = pattern["detail"]["object"]["key"][0]["wildcard"]
    assert fnmatch.fnmatch(object_key("someone", "01ARZ3NDEKTSV4RRFFQ69G5FAV"), wildcard)
    assert not fnmatch.fnmatch("users/someone/exports/x.json", wildcard)
    rules = {rule["Id"]: rule for rule in bucket["LifecycleConfiguration"]["Rules"]}
    expire = rules["ExpireUncompletedAttachments"]
    key, _, value = PENDING_TAGS.partition("=")
    assert expire["TagFilters"] == [{"Key": key, "Value": value}]
    assert expire["Status"] == "Enabled"
    assert expire["ExpirationInDays"] * 24 > Settings().attachment_reservation_hours


def test_the_websocket_api_routes_connect_and_disconnect_to_the_function(template: dict[str, Any]) -> None:
    api = properties(template, "WebSocketApi")
    assert api["ProtocolType"] == "WEBSOCKET"
    routes = {
        props["RouteKey"]: props
        for props in (
            r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Route"
        )
    }
    assert set(routes) == {"$connect", "$disconnect"}  # one-way: no message route runs the function
    for route in routes.values():
        assert route["ApiId"] == {"Ref": "WebSocketApi"}
        assert route["Target"] == {"Fn::Sub": "integrations/${WebSocketIntegration}"}
        # No authorizer: $connect verifies the token in the function (a WebSocket API takes no JWT one).
        assert route["AuthorizationType"] == "NONE"
    integration = properties(template, "WebSocketIntegration")
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert "${TetherFunction.Arn}" in integration["IntegrationUri"]["Fn::Sub"]
    stage = properties(template, "WebSocketStage")
    assert stage["StageName"] == {"Ref": "Stage"}
    assert stage["AutoDeploy"] is True
    permission = properties(template, "WebSocketInvokePermission")
    assert permission["FunctionName"] == {"Ref": "TetherFunction"}
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/*"
    }
    variables = deployed(template, "TetherFunction")["Environment"]["Variables"]
    # The function posts to the stage it is invoked by.
    assert variables["TETHER_WEBSOCKET_ENDPOINT"] == {
        "Fn::Sub": "https://${WebSocketApi}.execute-api.${AWS::Region}.amazonaws.com/${Stage}"
    }
    assert template["Outputs"]["WebSocketUrl"]["Value"] == {
        "Fn::Sub": "wss://${WebSocketApi}.execute-api.${AWS::Region}.amazonaws.com/${Stage}"
    }


def test_replies_are_worked_by_the_worker_function_from_a_queue_like_the_local_one(
    template: dict[str, Any],
) -> None:
    queue = properties(template, "ChatReplyQueue")
    dead = properties(template, "ChatReplyDeadLetterQueue")
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["ChatReplyDeadLetterQueue", "Arn"]
    }
    # `make dev` and the tests make the same queues (localdev/sqs.py).
    local = local_sqs.queue_attributes("arn:dead")
    assert str(queue["VisibilityTimeout"]) == local["VisibilityTimeout"]
    assert str(queue["MessageRetentionPeriod"]) == local["MessageRetentionPeriod"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == json.loads(local["RedrivePolicy"])["maxReceiveCount"]
    assert dead["MessageRetentionPeriod"] == local_sqs.DLQ_RETENTION_SECONDS
    # A job comes back only after its attempt is over and its lease expired; it outlives the model's
    # retries (TETHER_CHAT_MAX_ATTEMPTS timeouts) before it is a dead letter.
    function = deployed(template, "ChatWorkerFunction")
    settings = Settings()
    lease = settings.chat_time_budget_seconds + LEASE_MARGIN_SECONDS
    assert function["Timeout"] < lease < queue["VisibilityTimeout"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] > settings.chat_max_attempts

    mapping = properties(template, "ChatReplyJobs")
    assert resource(template, "ChatReplyJobs")["Type"] == "AWS::Lambda::EventSourceMapping"
    assert mapping["FunctionName"] == {"Ref": "ChatWorkerFunction"}
    # The worker has no other event (it serves no API route, schedule or S3 event) and the API's
    # function no queue to work.
    assert "Events" not in properties(template, "ChatWorkerFunction")
    assert not any(
        r["Type"] == "AWS::Lambda::EventSourceMapping"
        and r["Properties"]["FunctionName"] == {"Ref": "TetherFunction"}
        for r in template["Resources"].values()
    )
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["ChatReplyQueue", "Arn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == 1
    assert function["Environment"]["Variables"]["TETHER_CHAT_QUEUE_URL"] == {"Ref": "ChatReplyQueue"}

    assert properties(template, "ChatReplyDeadLettersAlarm")["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["ChatReplyDeadLetterQueue", "QueueName"]}}
    ]


def test_the_catalog_is_published_by_its_own_function_from_a_fifo_queue_like_the_local_one(
    template: dict[str, Any],
) -> None:
    """Editors' changes queue publish jobs (docs/catalog.md); a function with more time and a full
    vCPU publishes them one at a time, with only the bucket permissions the index needs."""
    queue = properties(template, "CatalogPublishQueue")
    dead = properties(template, "CatalogPublishDeadLetterQueue")
    assert queue["FifoQueue"] is True
    assert dead["FifoQueue"] is True  # a FIFO queue's dead-letter queue is FIFO too
    assert queue["QueueName"] == {"Fn::Sub": "${AWS::StackName}-catalog-publish.fifo"}
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["CatalogPublishDeadLetterQueue", "Arn"]
    }
    # `make dev` and the tests make the same queues (localdev/sqs.py).
    local = local_sqs.queue_attributes("arn:dead", local_sqs.PUBLISH_VISIBILITY_TIMEOUT_SECONDS)
    assert str(queue["VisibilityTimeout"]) == local["VisibilityTimeout"]
    assert str(queue["MessageRetentionPeriod"]) == local["MessageRetentionPeriod"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == json.loads(local["RedrivePolicy"])["maxReceiveCount"]
    assert dead["MessageRetentionPeriod"] == local_sqs.DLQ_RETENTION_SECONDS

    function = deployed(template, "CatalogPublisherFunction")
    api = deployed(template, "TetherFunction")
    # A job comes back only after its attempt is over; the publish has far more than the API's time.
    assert api["Timeout"] * 10 < function["Timeout"] < queue["VisibilityTimeout"]
    assert function["MemorySize"] >= 1769  # a full vCPU: loading and indexing a catalog is CPU-bound
    variables = function["Environment"]["Variables"]
    assert variables["TETHER_CATALOG_PUBLISH_QUEUE_URL"] == {"Ref": "CatalogPublishQueue"}

    mapping = properties(template, "CatalogPublishJobs")
    assert resource(template, "CatalogPublishJobs")["Type"] == "AWS::Lambda::EventSourceMapping"
    assert mapping["FunctionName"] == {"Ref": "CatalogPublisherFunction"}
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["CatalogPublishQueue", "Arn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == local_sqs.PUBLISH_BATCH_SIZE
    assert "Events" not in properties(template, "CatalogPublisherFunction")  # no route, schedule, S3 event

    publisher = beyond_core(template, "CatalogPublisherFunction")
    assert set(publisher) == {"CatalogIndexObjects", "CatalogIndexListing", "CatalogPublishJobs"}
    assert publisher["CatalogIndexObjects"]["Action"] == ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    assert publisher["CatalogIndexObjects"]["Resource"] == {"Fn::Sub": "${MediaBucket.Arn}/catalog-index/*"}
    # Without ListBucket a missing manifest (the first publish) reads as AccessDenied, not as missing.
    assert publisher["CatalogIndexListing"]["Action"] == "s3:ListBucket"
    assert publisher["CatalogIndexListing"]["Resource"] == {"Fn::GetAtt": ["MediaBucket", "Arn"]}
    assert publisher["CatalogPublishJobs"]["Action"] == [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
    ]
    # The keys the index is written under (tether/catalog/index.py).
    from tether.catalog.index import PREFIX

    assert fnmatch.fnmatch(
        f"arn/{PREFIX}{Settings().catalog_partition}/manifest.json",
        publisher["CatalogIndexObjects"]["Resource"]["Fn::Sub"].replace("${MediaBucket.Arn}", "arn"),
    )
