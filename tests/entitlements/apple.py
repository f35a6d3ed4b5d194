"""A local stand-in for Apple's signing: a root, an intermediate and a leaf shaped like Apple's
(their marker extensions included), and StoreKit 2 / App Store Server Notification V2 payloads
signed with the leaf the way the App Store signs them (ES256, `x5c` chain in the header)."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

BUNDLE_ID = "com.example.tether"
LEAF_MARKER = x509.ObjectIdentifier("1.2.840.113635.100.6.11.1")  # Apple's App Store signing leaf
INTERMEDIATE_MARKER = x509.ObjectIdentifier("1.2.840.113635.100.6.2.1")  # Apple's WWDR intermediate
DER_NULL = b"\x05\x00"


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tether Tests"),
        ]
    )


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    marker: x509.ObjectIdentifier | None,
    now: datetime,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=365))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    )
    if marker is not None:
        builder = builder.add_extension(x509.UnrecognizedExtension(marker, DER_NULL), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class AppleChain:
    """One certificate chain and the payloads it signs."""

    now: datetime
    root_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    intermediate_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    leaf_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def __post_init__(self) -> None:
        self.root = _certificate(
            "Test Root CA", self.root_key, None, self.root_key, ca=True, marker=None, now=self.now
        )
        self.intermediate = _certificate(
            "Test WWDR",
            self.intermediate_key,
            self.root,
            self.root_key,
            ca=True,
            marker=INTERMEDIATE_MARKER,
            now=self.now,
        )
        self.leaf = _certificate(
            "Test App Store",
            self.leaf_key,
            self.intermediate,
            self.intermediate_key,
            ca=False,
            marker=LEAF_MARKER,
            now=self.now,
        )

    def write_root(self, directory: Path) -> Path:
        path = directory / "test-root.pem"
        path.write_bytes(self.root.public_bytes(serialization.Encoding.PEM))
        return path

    def sign(self, payload: dict[str, Any]) -> str:
        x5c = [
            base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
            for cert in (self.leaf, self.intermediate, self.root)
        ]
        return jwt.encode(payload, self.leaf_key, algorithm="ES256", headers={"x5c": x5c})


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def transaction(
    product_id: str,
    *,
    signed_at: datetime,
    expires: datetime | None,
    original: str = "2000000000000001",
    account: str | None = None,
    environment: str = "Sandbox",
    bundle_id: str = BUNDLE_ID,
    revoked_at: datetime | None = None,
) -> dict[str, Any]:
    """A JWSTransactionDecodedPayload as StoreKit 2 gives it to the app."""
    payload: dict[str, Any] = {
        "transactionId": str(int(original) + millis(signed_at) % 100000),
        "originalTransactionId": original,
        "bundleId": bundle_id,
        "productId": product_id,
        "purchaseDate": millis(signed_at),
        "originalPurchaseDate": millis(signed_at),
        "quantity": 1,
        "type": "Auto-Renewable Subscription" if expires else "Non-Consumable",
        "inAppOwnershipType": "PURCHASED",
        "signedDate": millis(signed_at),
        "environment": environment,
        "transactionReason": "PURCHASE",
        "storefront": "USA",
    }
    if expires is not None:
        payload["expiresDate"] = millis(expires)
    if account is not None:
        payload["appAccountToken"] = account
    if revoked_at is not None:
        payload["revocationDate"] = millis(revoked_at)
        payload["revocationReason"] = 0
    return payload


def renewal(
    original: str,
    product_id: str,
    *,
    signed_at: datetime,
    grace_until: datetime | None = None,
    renews: bool = True,
    environment: str = "Sandbox",
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "originalTransactionId": original,
        "autoRenewProductId": product_id,
        "productId": product_id,
        "autoRenewStatus": 1 if renews else 0,
        "signedDate": millis(signed_at),
        "environment": environment,
    }
    if grace_until is not None:
        payload["gracePeriodExpiresDate"] = millis(grace_until)
        payload["isInBillingRetryPeriod"] = True
    return payload


def notification(
    chain: AppleChain,
    kind: str,
    *,
    signed_at: datetime,
    signed_transaction: str | None,
    signed_renewal: str | None = None,
    subtype: str | None = None,
    notification_id: str | None = None,
    environment: str = "Sandbox",
) -> dict[str, str]:
    """The body Apple POSTs: `{"signedPayload": <JWS of a ResponseBodyV2DecodedPayload>}`."""
    data: dict[str, Any] = {"bundleId": BUNDLE_ID, "bundleVersion": "1", "environment": environment}
    if signed_transaction is not None:
        data["signedTransactionInfo"] = signed_transaction
    if signed_renewal is not None:
        data["signedRenewalInfo"] = signed_renewal
    payload: dict[str, Any] = {
        "notificationType": kind,
        "notificationUUID": notification_id or str(uuid.uuid4()),
        "data": data,
        "version": "2.0",
        "signedDate": millis(signed_at),
    }
    if subtype is not None:
        payload["subtype"] = subtype
    return {"signedPayload": chain.sign(payload)}


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
