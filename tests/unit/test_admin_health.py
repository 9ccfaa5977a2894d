"""The IT office's 运行状况 page (/admin/health): the checks /readyz runs, said in Chinese with what
to do; the pipeline's backlogs and dead letters where there is a broker; referrals past their
time; each unit's notifications, linked to its roster (the IT office's review, stop 50: no page
showed backlogs, failing deliveries or dead letters)."""

from __future__ import annotations

import re

from services.api.pages.health import check_said
from services.bootstrap import ApiContainer
from services.runtime.status import PipelineStatus
from tests.conftest import Api
from tests.helpers import audit_entries
from tests.unit.test_pages import login


class FakePipeline:
    """What `make up`'s API workers keep on app.state.pipeline: a status read when asked."""

    def __init__(self, status: PipelineStatus) -> None:
        self._status = status

    def status(self) -> PipelineStatus:
        return self._status


def todo_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html.split('id="health-todo"')[1].split("</div>")[0])


def test_the_admin_reads_the_state_of_the_system_in_chinese(api: Api, hotline: ApiContainer) -> None:
    login(api.client, "admin1")
    home = api.client.get("/admin").text
    assert 'href="/admin/health"' in home  # in the header and the page's own links
    page = api.client.get("/admin/health")
    assert page.status_code == 200
    checks = page.text.split('id="checks"')[1].split("</table>")[0]
    assert "数据库" in checks and "正常" in checks and "可以读写" in checks and "异常" not in checks
    assert "单进程运行" in page.text  # the embedded wiring: no queue to fall behind
    assert "已过时限尚未升级的转介：<strong" in page.text
    # No unit has a roster yet: each receiving one is unreachable, its name a link to mend it.
    todo = todo_of(page.text)
    unreachable = todo.split("此刻无人可通知的单位（")[1]
    assert "连南瑶族自治县公安局、" in unreachable or unreachable.endswith("连南瑶族自治县公安局")
    assert '<a href="/admin/oncall/police-441823">' in page.text
    assert "人民检察院" not in todo  # a unit never referred to needs no one on duty
    hooks = re.sub(r"<[^>]+>", "", page.text.split('id="hooks"')[1].split("</p>")[0])
    assert "督办人员的超时通知地址：未设置" in hooks and "重大事项的上级报告地址：未设置" in hooks
    assert ("admin.health", "admin1") in [(e["action"], e["actor"]) for e in audit_entries(hotline)]


def test_a_failing_check_and_a_stalled_stage_are_said_first_with_what_to_do(api: Api) -> None:
    app = api.client.app
    app.state.readiness_checks.append(lambda: ("workers", False, "not running: triage, dispatch"))
    app.state.pipeline = FakePipeline(PipelineStatus(
        outboxes=[{"app": "intake", "backlog": 0}, {"app": "triage", "backlog": 0},
                  {"app": "dispatch", "backlog": 0}],
        consumers=[{"group": "hotline-triage", "partition": 0, "lag": 40},
                   {"group": "hotline-triage", "partition": 1, "lag": 2},
                   {"group": "hotline-notify", "partition": 0, "lag": 0}],
        overdue=2, dead_letters=3))
    try:
        login(api.client, "admin1")
        page = api.client.get("/admin/health").text
    finally:
        app.state.readiness_checks.pop()
        del app.state.pipeline
    todo = todo_of(page)
    assert "后台进程：未运行：triage、dispatch" in todo and "死信 3 条" in todo
    assert "2 条转介已过时限尚未升级" in todo
    stages = page.split('id="stages"')[1].split("</table>")[0]
    assert re.search(r"消息队列 → 研判</th><td[^>]*class=\"flag\">42<", stages)  # both partitions
    assert re.search(r"消息队列 → 通知</th><td[^>]*>0<", stages)
    assert "停止的进程会在2秒后自动重启" in page  # what to do, beside the failing check
    assert "hotline dlq list" in page.split('id="dead-letters"')[1][:400]


def test_the_page_answers_with_the_broker_away(api: Api) -> None:
    """The morning Kafka is down is the morning the page is needed: the backlogs cannot be read,
    it says so, and the page answers."""
    class Away:
        def status(self) -> PipelineStatus:
            raise ConnectionError("no broker")

    app = api.client.app
    app.state.pipeline = Away()
    try:
        login(api.client, "admin1")
        page = api.client.get("/admin/health")
    finally:
        del app.state.pipeline
    assert page.status_code == 200 and "消息队列不可达，暂时读不到各环节的积压" in page.text


def test_only_the_admin_opens_it(api: Api) -> None:
    login(api.client, "supervisor1")
    refused = api.client.get("/admin/health")
    assert refused.status_code == 403 and "此页面供系统管理员使用" in refused.text
    api.client.cookies.clear()
    r = api.client.get("/admin/health", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/admin/health")


def test_each_checks_detail_is_said_in_chinese() -> None:
    assert check_said("broker", True, "3 broker(s)") == "3 个节点在线"
    assert check_said("workers", True, "all running") == "全部在运行"
    assert check_said("lag", False, "largest backlog or consumer lag 120 (degraded above 100)") == (
        "最大积压 120 条（超过 100 条即需处理）")
    embedded = check_said("workers", True, "embedded runner, scheduler and notifier running")
    assert embedded.startswith("单进程内")
    assert check_said("store", False, "OperationalError") == "无法读写（OperationalError）"


def test_a_unit_with_no_account_left_is_said_first(api: Api) -> None:
    """The IT office's second review, stop 60: after the county police's only account was
    disabled, the health page never said the unit had nobody who could sign in."""
    def without() -> list[str]:
        todo = todo_of(api.client.get("/admin/health").text)
        if "没有可用账号的单位（" not in todo:
            return []
        return todo.split("没有可用账号的单位（")[1].split("）：", 1)[1].split("。")[0].split("、")

    login(api.client, "admin1")
    assert "连南瑶族自治县公安局" not in without()
    assert api.client.post("/v1/users/police-desk/disable", headers=api.auth("admin1")).status_code == 200
    assert "连南瑶族自治县公安局" in without()
