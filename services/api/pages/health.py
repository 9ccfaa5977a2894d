"""The IT office's page (/admin/health, 运行状况): what /readyz checks, the pipeline's backlogs
and dead letters (distributed), referrals and visits past their time, and each unit's and
webhook's notifications, in Chinese, each with what to do: what `hotline consumers status`
and /readyz say, without a command."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import Page, page_guard
from services.api.ops import run_checks
from services.api.web import render
from services.common.labels import KIND_TEXT
from services.notify.domain import SUPERVISORS, UPWARD
from services.oversight.notifications import all_health, by_county

router = APIRouter(tags=["pages"], include_in_schema=False)

AdminPage = Annotated[Page, Depends(page_guard("admin", "/admin/health",
                                               "此页面供系统管理员使用，请用管理员账号登录。"))]

CHECK_TEXT = {"store": "数据库", "broker": "消息队列（Kafka）", "workers": "后台进程", "lag": "处理积压"}
# What to do when a check fails: said beside it (docs/operations.md has the steps).
CHECK_TODO = {
    "store": "新报告无法保存：请先恢复数据库（见运维手册“数据库不可用”）。",
    "broker": "报告照常保存，转介在消息队列恢复后补发：请恢复 Kafka（见运维手册）。",
    "workers": "停止的进程会在2秒后自动重启；仍未运行的，请查看其日志（var/log/进程名.log）。",
    "lag": "报告处理跟不上：请查看下方各环节的积压，找出停滞的一环。",
}
STAGE_TEXT = {"intake": "受理", "triage": "研判", "dispatch": "派发",
              "hotline-triage": "研判", "hotline-dispatch": "派发", "hotline-projection-desk": "收件箱视图",
              "hotline-notify": "通知", "hotline-callbacks": "回访"}


def check_said(name: str, ok: bool, detail: str) -> str:
    """A check's detail (English, for /readyz) as the page says it."""
    if name == "store":
        return "可以读写" if ok else f"无法读写（{detail}）"
    if name == "broker" and (found := re.match(r"(\d+) broker", detail)):
        return f"{found.group(1)} 个节点在线" if ok else "没有节点在线"
    if name == "workers":
        if detail.startswith("not running: "):
            return "未运行：" + "、".join(detail.removeprefix("not running: ").split(", "))
        if detail == "all running":
            return "全部在运行"
        if detail.startswith("embedded"):
            return "单进程内的处理、定时任务和通知都在运行" if ok else f"单进程内的处理已停止（{detail}）"
    if name == "lag" and (found := re.search(r"lag (\d+) \(degraded above (\d+)\)", detail)):
        return f"最大积压 {found.group(1)} 条（超过 {found.group(2)} 条即需处理）"
    return detail if ok else f"异常（{detail}）"


def health(request: Request, container: Any) -> dict[str, Any]:
    """Everything the page shows, and the list of what needs doing first."""
    _, _, results = run_checks(request.app.state)
    checks = [{"name": CHECK_TEXT.get(name, name), "ok": r["ok"],
               "said": check_said(name, r["ok"], r["detail"]),
               "todo": None if r["ok"] else CHECK_TODO.get(name)} for name, r in results.items()]
    now = datetime.now(UTC)
    pipeline = getattr(request.app.state, "pipeline", None)  # distributed: PipelineCollector
    try:
        status = pipeline.status() if pipeline is not None else None
    except Exception:  # the broker away: the checks above say so; the page must still answer
        status = None
    stages: list[dict[str, Any]] = []
    if status is not None:
        stages = [{"name": STAGE_TEXT.get(o["app"], o["app"]) + " → 消息队列", "behind": o["backlog"]}
                  for o in status.outboxes]
        lag: dict[str, int] = {}
        for c in status.consumers:
            lag[c["group"]] = lag.get(c["group"], 0) + c["lag"]
        stages += [{"name": "消息队列 → " + STAGE_TEXT.get(g, g), "behind": n} for g, n in lag.items()]
    overdue = status.overdue if status else len(container.view.due_referrals(now))
    visits = status.followups_overdue if status else container.view.overdue_followup_count(now)
    units = all_health(container)
    # Each with what to do, in the box itself (the IT office's review, stop 50: it was further down).
    todo = [f"{c['name']}：{c['said']}。{c['todo'] or ''}" for c in checks if not c["ok"]]
    if status is not None and status.dead_letters:
        todo.append(f"死信 {status.dead_letters} 条：在服务器上用 hotline dlq list 查看原因，"
                    "修复后重新处理（见下方）。")
    if overdue:
        todo.append(f"{overdue} 条转介已过时限尚未升级：定时任务可能停滞，请查看其日志（见运维手册）。")
    unreachable = [u["name"] for u in units if u["unreachable"]]
    if unreachable:  # one line: a new county has a dozen (their rows are first in the table below)
        todo.append(f"此刻无人可通知的单位（{len(unreachable)}个）：" + "、".join(unreachable)
                    + "。请补全其值班表：在下方“通知”表中点单位名称。")
    # The IT office's review, stop 60: a receiver failing 30 times in a row was a pale table row,
    # and the supervisors' unset address a grey footnote, while a red referral waited untold.
    failing = [u["name"] if u["kind"] in (SUPERVISORS, UPWARD)
               else f"{u['name']}（{'、'.join(u['failing'])}）" for u in units if u["failing"]]
    if failing:
        todo.append(f"通知地址连续送达失败（{len(failing)}个单位）：" + "；".join(failing)
                    + "。修好之前，这些联系人收不到转介通知：在下方“通知”表中点单位名称，核对通知地址后"
                    "保存，再点“发送测试”，显示“已送达”即修好。")
    # A unit nobody can sign in for (the IT office's second review: after a disable, or never made).
    staffed = {u.agency_id for u in container.accounts.list_users() if u.role == "desk" and not u.disabled}
    unstaffed = [u["name"] for u in units if u["kind"] not in (SUPERVISORS, UPWARD)
                 and u["agency_id"] not in staffed]
    if unstaffed:
        todo.append(f"没有可用账号的单位（{len(unstaffed)}个）：" + "、".join(unstaffed)
                    + "。送到这些单位的转介无人能在系统中接收：请在“系统管理”中为其新建机构工作人员账号。")
    settings = container.settings
    hooks = {"supervisors": bool(settings.supervisor_webhook), "upward": bool(settings.upward_webhook)}
    if not hooks["supervisors"]:
        todo.append("督办人员的超时通知地址未设置：转介超时、无人接收时不会推送给督办人员，只显示在督办看板上。"
                    "请在服务器配置中设置（见系统管理员手册“服务器配置项”）。")
    return {"checks": checks, "distributed": pipeline is not None, "read": status is not None,
            "stages": stages, "hooks": hooks,
            "dead_letters": status.dead_letters if status else 0, "overdue": overdue, "visits": visits,
            "units": units, "groups": by_county(container, units), "todo": todo,
            "checked_at": now.isoformat()}


@router.get("/admin/health")
def health_page(request: Request, page: AdminPage, container: ContainerDep, audit: AuditDep) -> Response:
    audit(page.principal, "admin.health", "system")
    return render(request, "admin_health.html", {
        "principal": page.principal, "kind_text": KIND_TEXT, **health(request, container)})
