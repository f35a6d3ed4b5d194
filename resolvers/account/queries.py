from __future__ import annotations

import strawberry

from resolvers.account.types import User
from resolvers.context import Info


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The signed-in user. UNAUTHENTICATED without a valid token.")
    def me(self, info: Info) -> User:
        return User.from_core(info.context.user)
