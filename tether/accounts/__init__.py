"""Accounts: profile and preferences, devices, consent, data export and erasure (docs/accounts.md).

The package imports nothing: a pull needs only its gate (tether/accounts/gate.py), and the rest is
built on first use (tether/services.py, tether/accounts/accounts.py).
"""
