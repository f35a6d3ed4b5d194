"""botocore imported without pyOpenSSL.

`botocore.httpsession` imports `urllib3.contrib.pyopenssl` (pyOpenSSL, and with it cryptography's
OpenSSL bindings and x509 modules: ~60-100 ms of a cold start) only to take urllib3's original
`SSLContext` from it (botocore always uses the standard library's, never pyOpenSSL's), and takes it from
`urllib3.util.ssl_` when that import fails: the same class, `ssl.SSLContext`, unless something had
patched urllib3 with pyOpenSSL before (nothing of ours does). The function's package ships pyOpenSSL
for the libraries that use it (Google's and Apple's, imported on first use), so `import_botocore` makes
that one import fail while botocore's HTTP module is imported, then lets any later importer have it.
"""

from __future__ import annotations

import sys

PYOPENSSL = "urllib3.contrib.pyopenssl"


def import_botocore() -> None:
    """`botocore.httpsession` imported (once per process) with the standard library's SSLContext
    found without importing pyOpenSSL; nothing changes if either is already imported."""
    if "botocore.httpsession" in sys.modules or PYOPENSSL in sys.modules:
        return
    sys.modules[PYOPENSSL] = None  # type: ignore[assignment]  # (an import of it raises ImportError)
    try:
        import botocore.httpsession  # noqa: F401
    finally:
        if PYOPENSSL in sys.modules and sys.modules[PYOPENSSL] is None:
            del sys.modules[PYOPENSSL]
