"""The product's Chinese labels: what people read for each level, concern, status, role and action."""

from __future__ import annotations

from services.common.vocabulary import (
    AgencyKind,
    CaseStatus,
    Category,
    Channel,
    Concern,
    Measure,
    ReferralStatus,
    Relation,
    RiskLevel,
    SentinelKind,
)

LEVEL_TEXT: dict[str, str] = {RiskLevel.red: "红色", RiskLevel.orange: "橙色", RiskLevel.yellow: "黄色",
                              RiskLevel.blue: "蓝色"}

# In the order the forms show them: the most dangerous first (the contract's order is Concern's).
CONCERN_TEXT: dict[str, str] = {
    Concern.domestic_violence: "家庭暴力",
    Concern.physical_harm: "遭受殴打或其他人身伤害",
    Concern.serious_injury: "严重受伤，需要紧急救治",
    Concern.sexual_abuse: "性侵害或疑似性侵害",
    Concern.trafficking_abduction: "被拐卖、拐骗或失踪",
    Concern.coercion_exploitation: "被胁迫、诱骗、利用乞讨或从事违法活动",
    Concern.wandering_begging: "流浪、乞讨",
    Concern.neglect: "无人照料、被忽视",
    Concern.guardianship_missing: "监护缺失（父母均不在身边或无法联系）",
    Concern.guardian_unable: "监护人无力履行监护职责（重病、重残等）",
    Concern.parents_detained_or_rehab: "父母服刑、被羁押或强制戒毒",
    Concern.school_dropout: "失学、辍学",
    Concern.school_bullying: "校园欺凌",
    Concern.early_marriage: "早婚早育",
    Concern.online_harm: "网络侵害（网络诈骗、网络欺凌、不良信息等）",
    Concern.special_hardship: "其他特殊困难（贫困、重病等）",
}
CONCERN_LABELS: list[tuple[str, str]] = [(str(concern), text) for concern, text in CONCERN_TEXT.items()]

CHANNEL_TEXT: dict[str, str] = {
    Channel.hotline_12345: "12345热线", Channel.hotline_12349: "12349民政热线",
    Channel.hotline_12355: "12355青少年热线", Channel.sentinel: "哨点报告", Channel.web_form: "网上报告",
    Channel.agency_notice: "部门通报",
    "unknown": "未知",
}

# The relations a web form offers (`self`, a child calling for itself, is the console's too).
RELATION_LABELS: list[tuple[str, str]] = [
    (Relation.teacher.value, "教师"),
    (Relation.doctor.value, "医生"),
    (Relation.community_worker.value, "村（社区）工作者"),
    (Relation.sentinel_first_reporter.value, "监测哨点第一报告人"),
    (Relation.relative.value, "亲属"),
    (Relation.neighbour.value, "邻居"),
    (Relation.public.value, "其他公众"),
    (Relation.other.value, "其他"),
]

# The hotline console's: a child rings 12345 itself (stop 64's operator chose 其他 for a crying
# ten-year-old); a web form is filed by an adult's account, so it keeps the list above.
CALLER_RELATION_LABELS: list[tuple[str, str]] = [(Relation.self_.value, "儿童本人"), *RELATION_LABELS]

SENTINEL_KIND_TEXT: dict[str, str] = {
    SentinelKind.school: "学校", SentinelKind.family: "家庭（监护人）", SentinelKind.community: "村（社区）",
    SentinelKind.social_org: "社会组织", SentinelKind.legal_unit: "政法单位",
}
KIND_TEXT: dict[str, str] = {AgencyKind.police: "公安", AgencyKind.civil_affairs: "民政",
                             AgencyKind.education: "教育", AgencyKind.hospital: "医院",
                             AgencyKind.procuratorate: "检察院", AgencyKind.court: "法院",
                             AgencyKind.justice: "司法局"}

STATUS_TEXT: dict[str, str] = {
    ReferralStatus.dispatched: "待接收", ReferralStatus.escalated: "已超时",
    ReferralStatus.acknowledged: "已接收", ReferralStatus.declined: "已退回", ReferralStatus.closed: "已办结",
    CaseStatus.triaged: "已研判",
}
# A report's coarse status (the receipt lookup's and the caller history's, contract §13).
REPORT_STATUS_TEXT = {"received": "已收到", "in_progress": "处理中", "handled": "已处理"}
CASE_STATUS_TEXT: dict[str, str] = {CaseStatus.triaged: "已研判，待转介", CaseStatus.dispatched: "已转介",
                                    CaseStatus.closed: "已办结"}

CATEGORY_TEXT: dict[str, str] = {
    Category.orphan: "孤儿", Category.guardianship_missing: "监护缺失",
    Category.guardian_unable: "监护人无力履行",
    Category.severe_disability_or_illness: "重残重病", Category.wandering: "流浪",
    Category.other_hardship: "其他特殊困难", Category.left_behind: "留守",
    Category.de_facto_unsupported: "事实无人抚养",
}
MEASURE_TEXT: dict[str, str] = {
    Measure.psychological_support: "心理疏导", Measure.living_assistance: "生活救助",
    Measure.legal_aid: "法律援助", Measure.school_placement: "就学安置", Measure.medical_care: "医疗救治",
    Measure.guardianship_guidance: "监护指导", Measure.entrusted_guardianship: "委托照护",
    Measure.guardianship_transfer: "监护权转移", Measure.other: "其他",
}

# A case's timeline events (view_timeline.type) as people read them. An escalation 转入督办, not
# 已督办: it puts the referral before the supervisors, and says nothing of whether anyone was told
# (stop 52's review read 已督办 as done while its notice had failed).
EVENT_TEXT = {
    "case_opened": "立案研判", "case_report_joined": "新报告并入", "case_supplement": "补充情况",
    "case_reassessment": "重新评估", "case_review": "复核完毕", "case_closed": "结案",
    "case_reopened": "重新启动", "case_reworked": "重新交办",
    "referral_dispatched": "转介", "referral_acknowledged": "接收转介", "referral_declined": "退回转介",
    "referral_withdrawn": "督办撤回转介",
    "referral_closed": "转介办结", "referral_escalated": "超时未接收，转入督办",
    "referral_raised": "案件升级，接收时限重算", "referral_phoned": "电话督办",
    "referral_progressed": "记录办理进展",
    "routing_gap": "无对应接收单位",
    "followup_opened": "启动随访", "followup_replanned": "调整随访计划", "followup_visited": "登记走访",
    "followup_lead_changed": "更换随访牵头单位",
    "followup_helper_paired": "结对帮扶", "followup_helper_missing": "超过72小时未结对",
    "followup_overdue": "走访逾期", "case_major_incident": "认定为重大事项",
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
    "report.list-unit": "查看本单位报送的通报", "report.receipt": "查看通报回执",
    "receipt.lookup": "凭受理编号查询", "receipt.lookup_failed": "凭受理编号查询（编号或查询码不符）",
    "child.repeat-check": "查询儿童在办案件",
    "child.repeat-check.refused": "查询儿童在办案件（超出每小时限额）", "case.list": "查看案件列表",
    "caller.history": "查询来电历史", "caller.history.refused": "查询来电历史（超出每小时限额）",
    "case.read": "查看案件", "case.reassess": "调整风险等级", "case.review": "复核完毕",
    "case.refer": "人工转介",
    "case.rework": "重新交办", "case.reports": "阅读案件的报告原文",
    "case.close": "结案", "referral.read": "查看转介", "referral.acknowledge": "接收转介",
    "referral.decline": "退回转介", "referral.withdraw": "督办撤回转介",
    "referral.call": "记录电话督办", "referral.outcome": "办结转介",
    "referral.progress": "记录办理进展",
    "desk.inbox": "打开收件箱",
    "board.read": "打开督办看板", "console.open": "打开来电登记", "admin.read": "打开系统管理",
    "audit.read": "查看审计日志", "account.add": "新增账号", "account.disable": "停用账号",
    "audit.refused": "审计日志查询被拒（条件有误）", "audit.export": "导出审计日志",
    "account.enable": "启用账号", "account.set-password": "重置密码",
    "account.change-own-password": "本人修改密码",
    "account.request": "提出账号变更申请", "account.approve": "批准账号变更申请",
    "account.reject": "驳回账号变更申请", "account.request-list": "查看账号变更申请",
    "account.withdraw": "撤回账号变更申请",
    "security.read": "打开账号变更审批", "security.accounts": "查看账号一览", "auth.login": "登录",
    "auth.login_failed": "登录失败", "auth.login_disabled": "登录失败：账号已停用",
    "auth.totp_missing": "登录失败：未填动态验证码", "auth.totp_wrong": "登录失败：动态验证码错误",
    "auth.totp_replayed": "登录失败：动态验证码重复使用",
    "auth.totp_unenrolled": "登录失败：未绑定动态验证码",
    "account.totp-enrol": "绑定动态验证码", "account.totp-reset": "重新绑定动态验证码",
    "auth.logout": "退出登录（所有设备）",
    "auth.logout_device": "退出登录（本设备）", "sentinel.register": "登记哨点",
    "sentinel.first-reporter": "更换第一报告人", "sentinel.deactivate": "撤销哨点",
    "access.not_found": "访问范围外资源", "access.denied": "访问非本角色的页面或接口",
    "stats.read": "查看统计分析", "stats.refused": "统计查询被拒",
    "stats.monthly": "导出月度统计报表",
    "ledger.read": "导出台账", "followups.read": "打开随访帮扶", "followup.read": "查看走访记录",
    "followup.read-refused": "查看走访记录（结案超过30天，已拒绝）",
    "followup.visit": "登记走访", "followup.lead": "更换随访牵头单位",
    "followup.helper": "结对帮扶", "notifications.health": "查看值班与通知",
    "admin.health": "查看运行状况",
    "notifications.read": "查看通知记录", "oncall.read": "查看值班表", "oncall.set": "设置值班表",
    "oncall.test": "发送值班测试通知",
    "notify.delivered": "通知已送达", "notify.failed": "通知送达失败", "notify.gave-up": "通知放弃重试",
    # Major incidents (重大事项, §12): a supervisor's mark, the rule's and a death's, the upward report.
    "case.major-incident": "标记为重大事项", "case.major-incident-auto": "自动认定为重大事项",
    "case.major-incident-death": "报告儿童死亡（重大事项）", "incident.list": "查看重大事项",
    "notify.upward-delivered": "重大事项已上报", "notify.upward-failed": "重大事项上报失败",
    "notify.upward-gave-up": "重大事项上报放弃重试",
    "callback.record": "登记回访结果", "callback.contact": "查看回访电话",  # callbacks (回访, §13)
    "callback.read": "查看回访记录",  # a case's callback notes opened on the board (§13)
}
# The groups the auditor's filter offers: an action's prefix.
ACTION_GROUP_TEXT = {
    "report.": "报告", "receipt.": "回执查询", "child.": "儿童查询", "case.": "案件", "referral.": "转介",
    "caller.": "来电历史查询",
    "followup": "随访帮扶", "ledger.": "台账", "stats.": "统计", "account.": "账号", "auth.": "登录与退出",
    "sentinel.": "哨点", "oncall.": "值班表", "notif": "通知", "audit.": "审计",
    "access.": "越权访问", "board.": "督办看板", "desk.": "转介收件箱", "console.": "来电登记",
    "admin.": "系统管理", "security.": "账号变更审批", "incident.": "重大事项",
    "callback.": "回访",
}
# What an audit entry is about (its resource type).
RESOURCE_TEXT = {"report": "报告", "case": "案件", "cases": "案件列表", "referral": "转介",
                 "account": "账号", "accounts": "账号列表", "sentinel": "哨点", "agency": "机构单位",
                 "stats": "统计", "audit": "审计日志", "ledger": "台账", "console": "来电登记台",
                 "child": "儿童", "incidents": "重大事项列表", "caller": "来电号码"}
RESOURCE_TEXT["callback"] = "回访"  # callbacks (§13)
RESOURCE_TEXT["system"] = "系统"  # the IT office's 运行状况
RESOURCE_TEXT["receipt"] = "受理编号"  # a lookup with a wrong pair, as typed
# Why a case went upward (重大事项, §12), and where its upward report is.
INCIDENT_REASON_TEXT = {"auto": "自动认定", "mark": "督办人员标记", "death": "报告儿童死亡"}
# A case's row on the board, by its upward report: "已上报" only when it arrived (stop 52's review:
# the row said 已上报重大事项 with no address configured).
INCIDENT_MARK_TEXT = {"delivered": "已上报重大事项", "pending": "重大事项上报中",
                      "failing": "重大事项上报失败",
                      "unconfigured": "已标记为重大事项，未上报（未配置上报地址）",
                      "unsent": "已标记为重大事项，尚未送出"}
UPWARD_STATE_TEXT = {"delivered": "已上报", "pending": "上报中", "failing": "上报失败",
                     "unconfigured": "未配置上报地址",
                     "unsent": "超过60秒未送出：上报地址未配置或通知服务未运行"}
# What a case on the board is at now (the referral that matters most), and why it waits for review.
BOARD_STATUS_TEXT = {"closed": "已结案", "triaged": "已研判，待转介", "escalated": "已超时",
                     "declined": "有退回", "dispatched": "待接收", "acknowledged": "处理中",
                     "referrals_closed": "转介已办结", "unheld": "无单位在办，请改派",
                     "partly": "部分已接收"}
REVIEW_REASON_TEXT = {"declined": "有单位退回转介", "routing_gap": "缺少对应接收单位",
                      "suggested_level": "走访建议调整风险等级", "unreached": "红色转介未能通知值班人员",
                      "no_concerns": "未选问题类型", "triage": "研判提示需人工复核",
                      "dissatisfied": "回访不满意", "complaint": "来电人投诉或催办"}
# A callback's result (回访, §13): whether the reporter was reached, how satisfied, on the timeline.
SATISFACTION_TEXT = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}
REACHED_TEXT = {True: "已联系上", False: "未联系上"}
EVENT_TEXT["callback_recorded"] = "回访"
EVENT_TEXT["callback_superseded"] = "回访"
# Why an outcome (办结) or a progress line (办理进展) cannot be recorded, by the referral's status:
# shown whole on the desk's pages.
OUTCOME_REFUSED = {
    "dispatched": "请先接收该转介：接收后才能办结。",
    "escalated": "请先接收该转介：接收后才能办结。",
    "declined": "该转介已退回，不能再办结。",
    "closed": "该转介已办结，不能重复办结。",
}
PROGRESS_REFUSED = {
    "dispatched": "请先接收该转介：接收后才能记录办理进展。",
    "escalated": "请先接收该转介：接收后才能记录办理进展。",
    "declined": "该转介已退回，不能再记录办理进展。",
    "closed": "该转介已办结，不能再记录办理进展。",
}
