"""FastAPI dependency aliases shared by routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.common.bootstrap import Hotline


def get_hotline(request: Request) -> Hotline:
    return request.app.state.hotline  # type: ignore[no-any-return]


HotlineDep = Annotated[Hotline, Depends(get_hotline)]
