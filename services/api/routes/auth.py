"""POST /v1/auth/token (the OAuth2 password flow of contract §2) and /v1/auth/logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from services.accounts.domain import AccountDisabled
from services.api import sessions
from services.api.auth import CurrentPrincipal
from services.api.second_factor import SecondFactorRefused

router = APIRouter(prefix="/v1/auth", tags=["auth"])


@router.post("/token")
def issue_token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()],
                totp: Annotated[str, Form(description="the second factor's 6 digits (contract §10)")] = "",
                ) -> dict[str, object]:
    try:
        token = sessions.login(request, form.username, form.password, totp)
    except SecondFactorRefused as refused:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail=refused.api_text,
                            headers={"WWW-Authenticate": "Bearer"}) from None
    except AccountDisabled:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Account disabled",
                            headers={"WWW-Authenticate": "Bearer"}) from None
    if token is None:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED,
                            detail="Wrong username or password",
                            headers={"WWW-Authenticate": "Bearer"})
    return {"access_token": token, "token_type": "bearer",
            "expires_in": request.app.state.tokens.ttl_seconds}


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, principal: CurrentPrincipal) -> None:
    """Ends every session of the caller: tokens issued so far are refused within a second."""
    sessions.logout(request, principal)
