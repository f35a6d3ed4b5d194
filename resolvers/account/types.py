from __future__ import annotations

import strawberry

from tether.auth import User as CoreUser


@strawberry.type(description="The signed-in user, as their token describes them.")
class User:
    id: strawberry.ID
    email: str | None
    name: str | None
    is_admin: bool = strawberry.field(description="Member of the Cognito group `admin` (catalog editors).")

    @classmethod
    def from_core(cls, user: CoreUser) -> User:
        return cls(id=strawberry.ID(user.id), email=user.email, name=user.name, is_admin=user.is_admin)
