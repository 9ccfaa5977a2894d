"""The knowledge base (知识库, contract §13): call-taking guidance for operators and supervisors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from services.api.auth import require_roles
from services.api.deps import ContainerDep
from services.common.auditnote import Principal
from services.oversight import knowledge

router = APIRouter(prefix="/v1/knowledge", tags=["knowledge base"])
Reader = Annotated[Principal, Depends(require_roles("operator", "supervisor"))]


@router.get("")
def read(c: ContainerDep, who: Reader, concern: Annotated[str | None, Query()] = None,
         q: Annotated[str | None, Query()] = None) -> dict[str, Any]:
    """A concern's guidance (`concern`), the entries whose Chinese text holds `q` (1–50 characters),
    or all of it, with the version of the guidance and of the rules it was worked out from."""
    return knowledge.guidance(c, concern, q)
