"""What the pages say about a webhook delivery (contract §8, §11): each failure's cause and what to
check next (an admin's "发送测试", a supervisor's record of a referral's notifications), and each
notification's kind."""

from __future__ import annotations

from services.notify.sendtest import classify
from services.notify.webhook import NO_SECRET

PROBLEM_TEXT = {
    "status": "接收方拒收，返回状态码 {code}。",
    "errcode": "机器人拒收，返回错误码 {code}（请核对机器人地址和安全设置）。",
    "timeout": "接收方5秒内没有应答（超时）。",
    "refused": "无法连接接收方（连接被拒绝）。",
    "dns": "找不到该地址的主机（域名无法解析）。",
    "tls": "安全连接的证书校验未通过。",
    "network": "网络错误，未能送达。",
    "robot": "机器人拒收（请核对机器人地址和安全设置）。",
    "blocked": "该地址指向内部网络（本机、内网或保留地址），出于安全考虑不予发送。",
}
# What to check next, for each failure (the IT office's review, stop 50: the cause alone left
# them guessing); said under it.
NEXT_TEXT = {
    "status": "请接收方查看其系统日志中拒收的原因（如签名校验未通过、地址路径不对）。",
    "errcode": "请在群机器人的设置中核对地址、关键词或加签密钥。",
    "timeout": "请确认接收系统在运行、5秒内应答；并检查两端之间的防火墙或网闸是否放行。",
    "refused": "请确认接收系统已启动、地址中的端口正确，且本系统所在服务器能访问到它（防火墙、网闸）。",
    "dns": "请核对地址中的域名；政务内网的域名须本系统所在服务器能够解析。",
    "tls": "请确认接收方的证书有效：未过期，且与地址中的域名一致。",
    "network": "请检查本系统所在服务器的网络连接，稍后再发送测试。",
    "robot": "请在群机器人的设置中核对地址、关键词或加签密钥。",
    "blocked": "如接收系统确在政务内网，须在服务器配置中把该网段加入允许名单（见系统管理员手册"
               "“通知地址指向内部网络时”）并重启服务。",
}

EVENT_TEXT = {"referral.dispatched": "派出通知", "referral.reminder": "未接收提醒",
              "referral.raised": "升级通知", "referral.escalated": "超时督办",
              "referral.new_report": "新报告通知"}
CONTACT_TEXT = {"supervisors": "督办人员（督办消息推送地址）", "upward": "上级报告"}


def failure_text(error: str | None) -> str:
    """An attempt's recorded error (webhook.recorded) as a person reads it."""
    if not error:
        return ""
    if error == NO_SECRET:
        return "该单位的值班表已删除，缺少签名密钥，无法发送。"
    problem, code = classify(error)
    return PROBLEM_TEXT[problem].format(code=code)
