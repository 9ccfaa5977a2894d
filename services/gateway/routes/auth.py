"""POST /v1/auth/token: the OAuth2 password flow (contract §2)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from services.common.web.ratelimit import client_key
from services.gateway.deps import AccountsDep

router = APIRouter(prefix="/v1/auth", tags=["auth"])


@router.post("/token")
def issue_token(request: Request, accounts: AccountsDep,
                form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, object]:
    request.app.state.login_limiter.hit(client_key(request))
    principal = accounts.authenticate(form.username, form.password)
    if principal is None:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED,
                            detail="Wrong username or password",
                            headers={"WWW-Authenticate": "Bearer"})
    tokens = request.app.state.tokens
    return {"access_token": tokens.issue(principal), "token_type": "bearer",
            "expires_in": tokens.ttl_seconds}
