"""The HTTP API: one FastAPI app mounting every router; domain errors mapped to HTTP once."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from services.api.auth import TokenIssuer, TokenVersions
from services.api.errors import add_error_handlers
from services.api.guards import BodyLimits, Proxies, RequestLog
from services.api.ops import ReadinessCheck
from services.api.ops import router as ops_router
from services.api.pages import (
    accounts,
    assets,
    audit,
    audit_export,
    board,
    board_actions,
    desk,
    followup_visits,
    intake,
    intake_case,
    login,
    password,
    report,
    rosters,
    security_accounts,
)
from services.api.pages import board_callbacks as board_callbacks_page
from services.api.pages import board_notifications as board_notifications_page
from services.api.pages import board_reports as board_reports_page
from services.api.pages import followups as followups_page
from services.api.pages import health as health_page
from services.api.pages import incidents as incidents_page
from services.api.pages import lookup as lookup_page
from services.api.pages import oncall as oncall_page
from services.api.pages import security as security_page
from services.api.pages import stats as stats_page
from services.api.routes import (
    account_requests,
    auth,
    cases,
    followups,
    incidents,
    notices,
    notifications,
    oversight,
    referrals,
    reports,
    sentinels,
    users,
)
from services.api.routes import callbacks as callback_routes
from services.api.routes import callers as caller_history
from services.api.routes import knowledge as knowledge_routes
from services.bootstrap import ApiContainer
from services.common.build_info import build_info
from services.common.networks import parse_networks

MAX_BODY_BYTES = 256 * 1024  # a full report is far below this
ROUTERS: tuple[APIRouter, ...]  # the later sections add theirs below, one line each
ROUTERS = (ops_router, auth.router, reports.router, reports.receipts_router, sentinels.sentinels_router,
           sentinels.agencies_router, cases.router, cases.children_router, referrals.desk_router,
           referrals.router, followups.router, followups.case_router, followups.ledger_router,
           oversight.stats_router, oversight.audit_router, notifications.oncall_router,
           notifications.router, login.router, password.router, report.router, notices.router,
           desk.router, board.router, board_actions.router, followups_page.router, followup_visits.router,
           stats_page.router, oncall_page.router,
           intake.router, intake_case.router, lookup_page.router, users.router, account_requests.router,
           accounts.router, rosters.router, security_page.router, security_accounts.router, audit.router,
           audit_export.router,
           assets.router,
           incidents.router, incidents.list_router, incidents_page.router)  # major incidents (§12)
ROUTERS = (*ROUTERS, caller_history.router)  # the caller history (来电弹屏, §13)
ROUTERS = (*ROUTERS, callback_routes.router)  # callbacks (回访, §13)
ROUTERS = (*ROUTERS, board_callbacks_page.router)  # the supervisor's callbacks (回访, §13)
ROUTERS = (*ROUTERS, knowledge_routes.router)  # the knowledge base (知识库, §13)
ROUTERS = (*ROUTERS, health_page.router)  # the IT office's 运行状况
ROUTERS = (*ROUTERS, board_reports_page.router)  # a case's reports on the board (报告原文)
ROUTERS = (*ROUTERS, board_notifications_page.router)  # a referral's notifications (通知记录)


def store_check(container: ApiContainer) -> ReadinessCheck:
    def check() -> tuple[str, bool, str]:
        position = container.intake.recorder.max_notification_id()
        container.view.ping()
        return "store", True, f"{container.store}, last notification {position}"

    return check


WORKER = os.getpid()  # which API worker answered (HOTLINE_API_WORKERS), in each request's log line


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    for close in reversed(getattr(app.state, "closers", [])):  # what the process opened for it
        close()


def create_app(container: ApiContainer, readiness_checks: list[ReadinessCheck] | None = None) -> FastAPI:
    app = FastAPI(
        title="Minor-protection hotline API",
        version="1",
        description="Reports about children at risk: intake, triage, referral to agencies.",
        lifespan=_lifespan,
        docs_url=None, redoc_url=None,  # /docs from our own Swagger UI copy (pages/assets.py)
    )
    settings = container.settings
    app.state.container = container
    token_key = settings.ensure_secret("token")
    app.state.tokens = TokenIssuer(token_key, settings.token_ttl_seconds,
                                   is_current=TokenVersions(container.accounts).is_current)
    app.state.csrf_key = hashlib.sha256(b"csrf" + token_key.encode()).digest()
    app.state.proxies = Proxies(parse_networks(settings.trusted_proxies))
    app.state.idle_seconds = settings.session_idle_minutes * 60
    app.state.metrics_networks = parse_networks(settings.metrics_allowed_networks)
    app.state.readiness_checks = [store_check(container), *(readiness_checks or [])]
    app.state.release = settings.release
    app.state.metric_registries = [build_info(settings.release)]
    for router in ROUTERS:
        app.include_router(router)
    add_error_handlers(app)
    # Added first, so it runs inside the request log and before anything reads the body.
    app.add_middleware(BodyLimits, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(RequestLog, worker=WORKER)
    return app
