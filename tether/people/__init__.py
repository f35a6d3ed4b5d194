"""People: managed profiles, memberships with roles, invites and access logs (docs/people.md).

The package imports nothing: a pull needs only what access is (tether/people/access.py), and the
people services are built on first use (tether/services.py, tether/people/people.py).
"""
