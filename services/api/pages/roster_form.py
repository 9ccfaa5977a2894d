"""The roster form of /admin/oncall/{agency_id}: its rows as the page holds them, decoded from the
posted form, checked by the API's own contact model, and every refusal said in Chinese next to
its field (`c2_to`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import ValidationError
from starlette.datastructures import FormData

from services.common.errors import FieldError
from services.common.numbers import fold
from services.common.outbound import AddressGuard
from services.notify.oncall import Contact
from services.oversight.rosters import ContactIn

WEEKDAYS = ((1, "周一"), (2, "周二"), (3, "周三"), (4, "周四"), (5, "周五"), (6, "周六"), (7, "周日"))
DAY_VALUES = {str(d) for d, _ in WEEKDAYS}
FORMAT_TEXT = {"json": "通用格式（自建系统）", "wecom": "企业微信群机器人", "dingtalk": "钉钉群机器人"}
MAX_ROWS = 20
LOOSE_TIME = re.compile(r"^(\d{1,2}):(\d{2})(:\d{2})?$")
FIELD_TEXT = {
    "name": "请填写姓名（1至64字）。",
    "phone": "电话只能由数字、连字符和开头的加号组成（3至20位），分机号写在“转”之后，如 0763-6612345转8001。",
    "webhook_url": "通知地址须为完整的网址（从机器人或接收系统的设置中复制）。",
    "format": "请选择通知格式。",
    "weekdays": "请至少勾选一个值班日。",
    "from": "时间须为“时:分”，如 08:30（北京时间）。",
    "to": "时间须为“时:分”，如 17:30（北京时间）。",
}
# The roster's own rules (services.notify.oncall), by the start of their message.
RULE_TEXT = {
    "give both": "开始和结束时间须同时填写；都留空表示全天值班。",
    "a shift must not": "结束时间不能与开始时间相同。",
    "names must differ": "姓名不能与其他联系人重复。",
    "the webhook's host": "该通知地址指向内部网络（本机、内网、链路本地或保留地址），出于安全考虑不能使用。"
                          "请填写接收系统或机器人的公网地址；如接收系统确在政务内网，"
                          "须在服务器配置中把该网段加入允许名单（见系统管理员手册"
                          "“通知地址指向内部网络时”）并重启服务后再保存。",
}
SECRET_PARAMS = ("key", "access_token", "sign", "secret", "token")


def masked(url: str) -> str:
    """A webhook address as a page shows it: the secrets in its query (a robot's `key=`,
    `access_token=`, `sign=`) cut to their last 4 characters (`…send?key=****ab12`)."""
    try:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return "（地址无法解析）"
    shown = [(k, "****" + v[-4:] if k.lower() in SECRET_PARAMS and v else v) for k, v in query]
    return urlunsplit(parts._replace(query=urlencode(shown, safe="*"))) if shown else url


@dataclass
class Row:
    """One contact as the form shows it (a blank row is offered for a new contact)."""

    name: str = ""
    phone: str = ""
    webhook_url: str = ""
    format: str = "json"
    weekdays: set[int] = field(default_factory=lambda: set(range(1, 8)))
    start: str = ""
    end: str = ""

    @property
    def blank(self) -> bool:
        return not (self.name or self.phone or self.webhook_url or self.start or self.end)

    @classmethod
    def of(cls, c: Contact) -> Row:
        return cls(c.name, c.phone or "", c.webhook_url or "", c.format,
                   set(c.weekdays or range(1, 8)), c.start or "", c.end or "")

    @classmethod
    def shown(cls, c: Contact) -> Row:
        """As the form shows a saved contact: the robot's key in its address masked."""
        return replace(cls.of(c), webhook_url=masked(c.webhook_url) if c.webhook_url else "")

    def raw(self) -> dict[str, Any]:
        """The contract's JSON for this contact; every day ticked means no day limit."""
        out: dict[str, Any] = {"name": self.name, "format": self.format}
        for key, value in (("phone", self.phone), ("webhook_url", self.webhook_url),
                           ("from", self.start), ("to", self.end)):
            if value:
                out[key] = value
        if self.weekdays != set(range(1, 8)):
            out["weekdays"] = sorted(self.weekdays)
        return out


def _clock(text: str) -> str:
    """`8:30`, a browser's `08:30:00` and a Chinese keyboard's `０８：３０` as `08:30`; anything else
    as typed (then refused)."""
    found = LOOSE_TIME.match(fold(text))
    return f"{int(found.group(1)):02d}:{found.group(2)}" if found else text


def rows_from(form: FormData) -> list[Row]:
    """The rows as posted, in order (blank ones kept: the page shows them again)."""
    try:
        count = min(int(str(form.get("rows", "0"))), MAX_ROWS + 5)
    except ValueError:
        count = 0
    rows = []
    for i in range(count):
        def text(name: str, i: int = i) -> str:
            return str(form.get(f"c{i}_{name}", "")).strip()
        days = {int(d) for d in map(str, form.getlist(f"c{i}_weekdays")) if d in DAY_VALUES}
        rows.append(Row(text("name"), text("phone"), text("webhook_url"), text("format") or "json",
                        days, _clock(text("from")), _clock(text("to"))))
    return rows


def unmasked(rows: list[Row], saved: list[Contact]) -> list[Row]:
    """The rows with each saved address the form showed masked (and left as it was) put back
    as saved: the key never travels to the page, and saving does not lose it."""
    out = []
    for row in rows:
        same = [c for c in saved if c.webhook_url and c.webhook_url != row.webhook_url
                and masked(c.webhook_url) == row.webhook_url]
        if same:
            kept = next((c for c in same if c.name == row.name), same[0])
            row = replace(row, webhook_url=kept.webhook_url or "")
        out.append(row)
    return out


def rearranged(rows: list[Row], op: str) -> list[Row]:
    """`add`, `up-N`, `down-N` or `remove-N` applied to the rows (nothing saved yet)."""
    rows = [replace(r) for r in rows]
    verb, _, index = op.partition("-")
    i = int(index) if index.isdigit() else -1
    if verb == "add" and len(rows) < MAX_ROWS:
        rows.append(Row())
    elif verb == "up" and 0 < i < len(rows):
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
    elif verb == "down" and 0 <= i < len(rows) - 1:
        rows[i], rows[i + 1] = rows[i + 1], rows[i]
    elif verb == "remove" and 0 <= i < len(rows):
        del rows[i]
    return rows


def check(rows: list[Row], guard: AddressGuard | None = None) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The filled rows as the roster's contacts, checked by the API's model and the roster's own
    rules (the webhook address rule too); every error at once, by field."""
    contacts: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for i, row in enumerate(rows):
        if row.blank:
            continue
        try:
            contacts.append(ContactIn.model_validate(row.raw()).raw())
        except ValidationError as exc:
            for e in exc.errors():
                name = str(e["loc"][0]) if e["loc"] else "name"
                errors.setdefault(f"c{i}_{name}", FIELD_TEXT.get(name, FIELD_TEXT["name"]))
        # The roster's own rules: the address rule always, the rest once the fields are well-formed.
        mine = any(key.startswith(f"c{i}_") for key in errors)
        tried = [{"name": "x", "webhook_url": row.webhook_url}] if row.webhook_url else []
        for raw in tried + ([] if mine else [row.raw()]):
            try:
                Contact.parse(raw, f"contacts.{i}", guard)
            except FieldError as exc:
                name = exc.field.rsplit(".", 1)[-1]
                errors.setdefault(f"c{i}_{name}", next(
                    (t for start, t in RULE_TEXT.items() if exc.message.startswith(start)),
                    FIELD_TEXT.get(name, FIELD_TEXT["name"])))
    if not contacts and not errors:
        errors["contacts"] = "请至少填写一位联系人（按通知顺序，第一位最先收到）。"
    elif len(contacts) > MAX_ROWS:
        errors["contacts"] = f"每个单位最多{MAX_ROWS}位联系人。"
    return contacts, errors


def refusal(rows: list[Row], exc: FieldError) -> dict[str, str]:
    """The roster's own refusal (`contacts.N.to`) next to the row it is about."""
    parts = exc.field.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return {"contacts": FIELD_TEXT["name"] if parts[0] == "contacts" else "未能保存，请检查后重试。"}
    filled = [i for i, r in enumerate(rows) if not r.blank]
    index = filled[int(parts[1])] if int(parts[1]) < len(filled) else 0
    text = next((t for start, t in RULE_TEXT.items() if exc.message.startswith(start)),
                FIELD_TEXT.get(parts[2], FIELD_TEXT["name"]))
    return {f"c{index}_{parts[2]}": text}
