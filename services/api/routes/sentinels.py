"""Sentinel points (admin) and the agency directory (contract §2, Directory)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from services.api.auth import CurrentPrincipal
from services.api.deps import AccountsDep, Admin, AuditDep, ContainerDep
from services.common.numbers import RegionCode
from services.common.schemas import Strict
from services.common.vocabulary import SentinelKind

sentinels_router = APIRouter(prefix="/v1/sentinels", tags=["sentinels"])
agencies_router = APIRouter(prefix="/v1/agencies", tags=["directory"])


class SentinelIn(BaseModel):
    model_config = Strict
    name: Annotated[str, Field(min_length=1, max_length=100)]
    kind: SentinelKind
    region_code: RegionCode
    first_reporter: Annotated[str, Field(min_length=3, max_length=64)]


@sentinels_router.get("")
def list_sentinels(accounts: AccountsDep, _: Admin) -> list[dict[str, Any]]:
    return [s.public() for s in accounts.list_sentinels()]


@sentinels_router.post("", status_code=status.HTTP_201_CREATED)
def register_sentinel(sentinel: SentinelIn, accounts: AccountsDep, audit: AuditDep,
                      admin: Admin) -> dict[str, Any]:
    created = accounts.register_sentinel(name=sentinel.name, kind=sentinel.kind.value,
                                         region_code=sentinel.region_code,
                                         first_reporter=sentinel.first_reporter,
                                         actor=audit.actor(admin))
    return created.public()


@agencies_router.get("")
def list_agencies(container: ContainerDep, _: CurrentPrincipal) -> list[dict[str, Any]]:
    return [a.public() for a in container.directory.agencies]
