"""The product's one vocabulary: risk levels, concerns, channels, statuses, kinds, roles."""

from __future__ import annotations

from datetime import timedelta, timezone
from enum import StrEnum


class RiskLevel(StrEnum):
    """Most urgent first; `rank` orders a list urgent-first, `LEVEL_ORDER` compares levels."""

    red = "red"
    orange = "orange"
    yellow = "yellow"
    blue = "blue"


RISK_LEVELS: tuple[str, ...] = tuple(RiskLevel)
LEVEL_ORDER: tuple[str, ...] = tuple(reversed(RISK_LEVELS))  # lowest to highest
RISK_RANK = {level: i for i, level in enumerate(RISK_LEVELS)}
# China's time (UTC+8, no daylight saving): days, months and times shown to people.
BEIJING = timezone(timedelta(hours=8))

LEVEL_TEXT = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}


def higher(a: str, b: str) -> str:
    return max(a, b, key=LEVEL_ORDER.index)


def one_level_up(level: str) -> str:
    return LEVEL_ORDER[min(LEVEL_ORDER.index(level) + 1, len(LEVEL_ORDER) - 1)]


class Concern(StrEnum):
    wandering_begging = "wandering_begging"
    domestic_violence = "domestic_violence"
    physical_harm = "physical_harm"
    trafficking_abduction = "trafficking_abduction"
    coercion_exploitation = "coercion_exploitation"
    sexual_abuse = "sexual_abuse"
    serious_injury = "serious_injury"
    guardianship_missing = "guardianship_missing"
    guardian_unable = "guardian_unable"
    school_dropout = "school_dropout"
    special_hardship = "special_hardship"
    parents_detained_or_rehab = "parents_detained_or_rehab"
    school_bullying = "school_bullying"
    early_marriage = "early_marriage"
    online_harm = "online_harm"
    neglect = "neglect"


# In the order the forms show them: the most dangerous first.
CONCERN_LABELS: list[tuple[str, str]] = [
    ("domestic_violence", "家庭暴力"),
    ("physical_harm", "遭受殴打或其他人身伤害"),
    ("serious_injury", "严重受伤，需要紧急救治"),
    ("sexual_abuse", "性侵害或疑似性侵害"),
    ("trafficking_abduction", "被拐卖、拐骗或失踪"),
    ("coercion_exploitation", "被胁迫、诱骗、利用乞讨或从事违法活动"),
    ("wandering_begging", "流浪、乞讨"),
    ("neglect", "无人照料、被忽视"),
    ("guardianship_missing", "监护缺失（父母均不在身边或无法联系）"),
    ("guardian_unable", "监护人无力履行监护职责（重病、重残等）"),
    ("parents_detained_or_rehab", "父母服刑、被羁押或强制戒毒"),
    ("school_dropout", "失学、辍学"),
    ("school_bullying", "校园欺凌"),
    ("early_marriage", "早婚早育"),
    ("online_harm", "网络侵害（网络诈骗、网络欺凌、不良信息等）"),
    ("special_hardship", "其他特殊困难（贫困、重病等）"),
]
CONCERN_TEXT = dict(CONCERN_LABELS)


class Channel(StrEnum):
    hotline_12345 = "hotline_12345"
    hotline_12349 = "hotline_12349"
    hotline_12355 = "hotline_12355"
    sentinel = "sentinel"
    web_form = "web_form"


CHANNEL_TEXT = {"hotline_12345": "12345热线", "hotline_12349": "12349民政热线",
                "hotline_12355": "12355青少年热线", "sentinel": "哨点报告", "web_form": "网上报告",
                "unknown": "未知"}
HOTLINE_CHANNELS = frozenset({Channel.hotline_12345, Channel.hotline_12349, Channel.hotline_12355})


class Relation(StrEnum):
    teacher = "teacher"
    doctor = "doctor"
    community_worker = "community_worker"
    sentinel_first_reporter = "sentinel_first_reporter"
    relative = "relative"
    neighbour = "neighbour"
    self_ = "self"
    public = "public"
    other = "other"


RELATION_LABELS: list[tuple[str, str]] = [
    ("teacher", "教师"),
    ("doctor", "医生"),
    ("community_worker", "村（社区）工作者"),
    ("sentinel_first_reporter", "监测哨点第一报告人"),
    ("relative", "亲属"),
    ("neighbour", "邻居"),
    ("public", "其他公众"),
    ("other", "其他"),
]


class Gender(StrEnum):
    male = "male"
    female = "female"
    unknown = "unknown"


class SentinelKind(StrEnum):
    school = "school"
    family = "family"
    community = "community"
    social_org = "social_org"
    legal_unit = "legal_unit"


SENTINEL_KIND_TEXT = {"school": "学校", "family": "家庭（监护人）", "community": "村（社区）",
                      "social_org": "社会组织", "legal_unit": "政法单位"}


class AgencyKind(StrEnum):
    police = "police"
    civil_affairs = "civil_affairs"
    education = "education"
    hospital = "hospital"


AGENCY_KINDS: tuple[str, ...] = tuple(AgencyKind)
KIND_TEXT = {"police": "公安", "civil_affairs": "民政", "education": "教育", "hospital": "医院"}


class ReferralStatus(StrEnum):
    dispatched = "dispatched"
    escalated = "escalated"
    acknowledged = "acknowledged"
    declined = "declined"
    closed = "closed"


OPEN_REFERRAL_STATUSES: tuple[str, ...] = ("dispatched", "escalated", "acknowledged")
UNACKNOWLEDGED_STATUSES: tuple[str, ...] = ("dispatched", "escalated")
STATUS_TEXT = {"dispatched": "待接收", "escalated": "已超时", "acknowledged": "已接收",
               "declined": "已退回", "closed": "已办结", "triaged": "已研判"}


class CaseStatus(StrEnum):
    triaged = "triaged"
    dispatched = "dispatched"
    closed = "closed"


CASE_STATUS_TEXT = {"triaged": "已研判，待转介", "dispatched": "已转介", "closed": "已办结"}

# A report's coarse status for receipt lookups: what an (anonymous) reporter may learn.
COARSE_REPORT_STATUS = {"received": "received", "triaged": "in_progress",
                        "dispatched": "in_progress", "closed": "handled"}


class Category(StrEnum):
    """A child's hardship category in the civil-affairs ledger (台账), set at reassessment."""

    orphan = "orphan"
    guardianship_missing = "guardianship_missing"
    guardian_unable = "guardian_unable"
    severe_disability_or_illness = "severe_disability_or_illness"
    wandering = "wandering"
    other_hardship = "other_hardship"
    left_behind = "left_behind"
    de_facto_unsupported = "de_facto_unsupported"


CATEGORY_TEXT = {"orphan": "孤儿", "guardianship_missing": "监护缺失", "guardian_unable": "监护人无力履行",
                 "severe_disability_or_illness": "重残重病", "wandering": "流浪",
                 "other_hardship": "其他特殊困难", "left_behind": "留守",
                 "de_facto_unsupported": "事实无人抚养"}


class Measure(StrEnum):
    """What a follow-up visit arranged (处置帮扶措施)."""

    psychological_support = "psychological_support"
    living_assistance = "living_assistance"
    legal_aid = "legal_aid"
    school_placement = "school_placement"
    medical_care = "medical_care"
    guardianship_guidance = "guardianship_guidance"
    entrusted_guardianship = "entrusted_guardianship"
    guardianship_transfer = "guardianship_transfer"
    other = "other"


MEASURE_TEXT = {"psychological_support": "心理疏导", "living_assistance": "生活救助",
                "legal_aid": "法律援助", "school_placement": "就学安置", "medical_care": "医疗救治",
                "guardianship_guidance": "监护指导", "entrusted_guardianship": "委托照护",
                "guardianship_transfer": "监护权转移", "other": "其他"}


class Role(StrEnum):
    operator = "operator"
    reporter = "reporter"
    supervisor = "supervisor"
    desk = "desk"
    auditor = "auditor"
    admin = "admin"
    security = "security"


ROLES: tuple[str, ...] = tuple(Role)

# A case's timeline events (view_timeline.type) as people read them.
EVENT_TEXT = {
    "case_opened": "立案研判", "case_report_joined": "新报告并入", "case_supplement": "补充情况",
    "case_reassessment": "重新评估", "case_review": "复核完毕", "case_closed": "结案",
    "case_reopened": "重新启动",
    "referral_dispatched": "转介", "referral_acknowledged": "接收转介", "referral_declined": "退回转介",
    "referral_closed": "转介办结", "referral_escalated": "超时未接收，已督办",
    "routing_gap": "无对应接收单位",
    "followup_opened": "启动随访", "followup_replanned": "调整随访计划", "followup_visited": "登记走访",
    "followup_helper_paired": "结对帮扶", "followup_helper_missing": "超过72小时未结对",
    "followup_overdue": "走访逾期",
}
# The system's own actors on the timeline (people are shown by their unit or role).
ACTOR_TEXT = {"triage": "研判系统", "dispatch": "分派系统", "scheduler": "时限监控", "system": "系统",
              "notifier": "通知系统", "desk": "机构工作人员", "anonymous": "匿名访问者",
              "unknown": "未知账号"}

# Who acts, by role: the accounts' roles, the system's own processes and the public.
ROLE_TEXT = {"operator": "热线接线员", "reporter": "强制报告责任人", "desk": "机构工作人员",
             "supervisor": "督办人员", "auditor": "审计人员", "admin": "系统管理员",
             "security": "安全管理员",
             "system": "系统", "public": "公众（未登录）"}

# The audit trail's actions (every action the code records; a test checks none is missing).
ACTION_TEXT = {
    "report.submit": "提交报告", "report.read": "查看报告", "report.supplement": "补充报告",
    "report.transfer": "确认转接110/120", "report.erase": "删除个人信息",
    "report.list-own": "查看本人的报告列表",
    "receipt.lookup": "凭受理编号查询", "child.repeat-check": "查询儿童在办案件",
    "child.repeat-check.refused": "查询儿童在办案件（超出每小时限额）", "case.list": "查看案件列表",
    "case.read": "查看案件", "case.reassess": "调整风险等级", "case.review": "复核完毕",
    "case.refer": "人工转介",
    "case.close": "结案", "referral.read": "查看转介", "referral.acknowledge": "接收转介",
    "referral.decline": "退回转介", "referral.outcome": "办结转介", "desk.inbox": "打开收件箱",
    "board.read": "打开督办看板", "console.open": "打开来电登记", "admin.read": "打开系统管理",
    "audit.read": "查看审计日志", "account.add": "新增账号", "account.disable": "停用账号",
    "account.enable": "启用账号", "account.set-password": "重置密码",
    "account.request": "提出账号变更申请", "account.approve": "批准账号变更申请",
    "account.reject": "驳回账号变更申请", "account.request-list": "查看账号变更申请",
    "security.read": "打开账号变更审批", "auth.login": "登录",
    "auth.login_failed": "登录失败",
    "auth.totp_missing": "登录失败：未填动态验证码", "auth.totp_wrong": "登录失败：动态验证码错误",
    "auth.totp_replayed": "登录失败：动态验证码重复使用",
    "auth.totp_unenrolled": "登录失败：未绑定动态验证码",
    "account.totp-enrol": "绑定动态验证码", "account.totp-reset": "重新绑定动态验证码",
    "auth.logout": "退出登录", "sentinel.register": "登记哨点",
    "sentinel.first-reporter": "更换第一报告人", "sentinel.deactivate": "撤销哨点",
    "access.not_found": "访问范围外资源", "stats.read": "查看统计分析", "stats.refused": "统计查询被拒",
    "stats.monthly": "导出月度统计报表",
    "ledger.read": "导出台账", "followups.read": "打开随访帮扶", "followup.read": "查看走访记录",
    "followup.read-refused": "查看走访记录（结案超过30天，已拒绝）",
    "followup.visit": "登记走访", "followup.helper": "结对帮扶", "notifications.health": "查看值班与通知",
    "notifications.read": "查看通知记录", "oncall.read": "查看值班表", "oncall.set": "设置值班表",
    "oncall.test": "发送值班测试通知",
    "notify.delivered": "通知已送达", "notify.failed": "通知送达失败", "notify.gave-up": "通知放弃重试",
}
# The groups the auditor's filter offers: an action's prefix.
ACTION_GROUP_TEXT = {
    "report.": "报告", "receipt.": "回执查询", "child.": "儿童查询", "case.": "案件", "referral.": "转介",
    "followup": "随访帮扶", "ledger.": "台账", "stats.": "统计", "account.": "账号", "auth.": "登录与退出",
    "sentinel.": "哨点", "oncall.": "值班表", "notif": "通知", "audit.": "审计",
    "access.": "越权访问", "board.": "督办看板", "desk.": "转介收件箱", "console.": "来电登记",
    "admin.": "系统管理", "security.": "账号变更审批",
}
# What an audit entry is about (its resource type).
RESOURCE_TEXT = {"report": "报告", "case": "案件", "cases": "案件列表", "referral": "转介",
                 "account": "账号", "accounts": "账号列表", "sentinel": "哨点", "agency": "机构单位",
                 "stats": "统计", "audit": "审计日志", "ledger": "台账", "console": "来电登记台",
                 "child": "儿童"}
