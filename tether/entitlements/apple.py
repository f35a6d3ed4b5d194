"""App Store purchases, verified offline with Apple's App Store Server Library.

A StoreKit 2 signed transaction (and every App Store Server Notification V2) is a JWS whose `x5c`
header carries Apple's certificate chain. `SignedDataVerifier` checks that chain up to the root
pinned in this repository (Apple Root CA - G3, its SHA-256 checked when it is loaded), Apple's
certificate extensions, the ES256 signature, the bundle id and the environment. Nothing is fetched
from Apple: no App Store Connect key is needed to accept purchases.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from appstoreserverlibrary.models.Environment import Environment
from appstoreserverlibrary.models.JWSRenewalInfoDecodedPayload import JWSRenewalInfoDecodedPayload
from appstoreserverlibrary.models.JWSTransactionDecodedPayload import JWSTransactionDecodedPayload
from appstoreserverlibrary.models.ResponseBodyV2DecodedPayload import ResponseBodyV2DecodedPayload
from appstoreserverlibrary.signed_data_verifier import (
    SignedDataVerifier,
    VerificationException,
    VerificationStatus,
)
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from tether.entitlements.model import InvalidSignedData
from tether.errors import ConfigurationError
from tether.settings import Settings

APPLE_ROOT_CA_G3 = Path(__file__).resolve().parent / "certs" / "AppleRootCA-G3.pem"
# Apple's published fingerprint of Apple Root CA - G3 (https://www.apple.com/certificateauthority/).
APPLE_ROOT_CA_G3_SHA256 = "63343abfb89a6a03ebb57e9b3f5fa7be7c4f5c756f3017b3a8c488c3653e9179"
ENVIRONMENTS = {"Production": Environment.PRODUCTION, "Sandbox": Environment.SANDBOX}
REASONS = {
    VerificationStatus.INVALID_APP_IDENTIFIER: ("WRONG_APP", "it is for another app (bundle id)"),
    VerificationStatus.INVALID_ENVIRONMENT: (
        "WRONG_ENVIRONMENT",
        "its App Store environment is not accepted here",
    ),
}


T = TypeVar("T")


def pinned_roots(settings: Settings) -> list[bytes]:
    """DER of the trusted roots: the pinned Apple Root CA - G3 (checked against its fingerprint), or
    the test roots of TETHER_APPLE_ROOT_CERTIFICATES (refused in prod by the settings)."""
    if settings.apple_root_certificates:
        paths = [Path(part.strip()) for part in settings.apple_root_certificates.split(",") if part.strip()]
        return [_der(path) for path in paths]
    der = _der(APPLE_ROOT_CA_G3)
    if hashlib.sha256(der).hexdigest() != APPLE_ROOT_CA_G3_SHA256:
        raise ConfigurationError(f"{APPLE_ROOT_CA_G3} is not Apple Root CA - G3 (its SHA-256 differs)")
    return [der]


def _der(path: Path) -> bytes:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(Encoding.DER)
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"cannot read the root certificate {path}: {error}") from None


def accepted_environments(settings: Settings) -> list[Environment]:
    raw = settings.apple_environments or ("Production" if settings.is_prod else "Sandbox")
    found = []
    for name in (part.strip() for part in raw.split(",") if part.strip()):
        if name not in ENVIRONMENTS:
            # Xcode and LocalTesting data is not signed by Apple: never accepted.
            raise ConfigurationError(f"TETHER_APPLE_ENVIRONMENTS: {name!r} is not Production or Sandbox")
        found.append(ENVIRONMENTS[name])
    return found


@dataclass(frozen=True)
class AppStore:
    """Verifies App Store signed data for one app (one verifier per accepted environment)."""

    bundle_id: str
    verifiers: Sequence[SignedDataVerifier]

    @classmethod
    def from_settings(cls, settings: Settings) -> AppStore | None:
        if not settings.apple_bundle_id:
            return None
        roots = pinned_roots(settings)
        environments = accepted_environments(settings)
        app_id = settings.apple_app_id
        if app_id is not None and not app_id.isdigit():
            raise ConfigurationError(
                f"TETHER_APPLE_APP_ID must be the app's numeric Apple ID, not {app_id!r}"
            )
        if Environment.PRODUCTION in environments and app_id is None:
            raise ConfigurationError(
                "accepting the App Store's Production environment needs TETHER_APPLE_APP_ID"
            )
        verifiers = [
            SignedDataVerifier(
                roots, False, environment, settings.apple_bundle_id, int(app_id) if app_id else None
            )
            for environment in environments
        ]
        return cls(settings.apple_bundle_id, verifiers)

    def transaction(
        self, signed: str, where: str = "input.signedTransaction"
    ) -> JWSTransactionDecodedPayload:
        """The verified, decoded signed transaction (InvalidSignedData otherwise)."""
        return self._first(lambda verifier: verifier.verify_and_decode_signed_transaction(signed), where)

    def renewal(self, signed: str, where: str = "signedRenewalInfo") -> JWSRenewalInfoDecodedPayload:
        return self._first(lambda verifier: verifier.verify_and_decode_renewal_info(signed), where)

    def notification(self, signed_payload: str) -> ResponseBodyV2DecodedPayload:
        return self._first(
            lambda verifier: verifier.verify_and_decode_notification(signed_payload), "signedPayload"
        )

    def _first(self, decode: Callable[[SignedDataVerifier], T], where: str) -> T:
        """The first accepted environment's verification that succeeds; otherwise the most telling failure."""
        failure = VerificationStatus.VERIFICATION_FAILURE
        for verifier in self.verifiers:
            try:
                return decode(verifier)
            except VerificationException as error:
                failure = error.status
                if error.status is not VerificationStatus.INVALID_ENVIRONMENT:
                    break  # not Apple's, or not this app's: no other environment changes that
        reason, why = REASONS.get(failure, ("INVALID_SIGNATURE", "it is not signed by the App Store"))
        raise InvalidSignedData(f"{where} is refused: {why}", field=where, reason=reason)
