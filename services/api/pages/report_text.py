"""The mandated-reporter form's words: one message per field a teacher can act on, and the same
messages the page checks itself before it keeps a report offline."""

from __future__ import annotations

# One message per field, in words a teacher can act on.
FIELD_MESSAGES = {
    "narrative": "请填写情况描述（1至5000字）：看到或听到了什么、儿童现在怎样。",
    "location.region_code": "行政区划代码须为6位（县）、9位（乡镇）或12位（村）数字，例如 441823；"
                            "也可输入村、镇名称后从列表中选择。",
    "location.address": "详细地址不能超过500字。",
    "location.address:id_number_in_text": (
        "详细地址中有一串像身份证号的数字：身份证号只填在儿童的“身份证号”一栏"
        "（详细地址会给每个承办单位看到），请从地址中删去。"),
    "children": "请至少填写一名儿童的姓名、年龄或身份证号（最多20名）。",
    "children.N.age": "年龄须为0至17之间的整数（周岁）；不确定的，填估计的整数，并在情况描述中写明。",
    "children.N.id_number": "身份证号码有误：须为18位（前17位为数字，最后一位为数字或X）"
                            "且校验位正确，请核对。",
    # By the kind of error (pydantic's type), where one field can be wrong in more than one way.
    "children.N.id_number:id_number_format": "身份证号须为18位：前17位为数字，最后一位为数字或X。",
    "children.N.id_number:id_number_check": "身份证号码校验位不正确，请核对；不确定的可清空（知道才填）。",
    "children.N.name": "姓名不能超过100字。",
    "reporter.phone": "电话号码格式不正确：5至20位数字，可含 +、- 或空格。",
    "reporter.phone:mobile_length": "手机号码须为11位，请核对是否少输或多输了数字。",
    "reporter.name": "姓名不能超过100字。",
    "reporter.relation": "请选择您的身份。",
    "occurred_at": "发生时间格式不正确，请用日期时间选择器填写。",
    "occurred_at:occurred_in_future": "发生时间不能晚于现在，请核对日期（不清楚可不填）。",
    "concerns": "情况类别无效，请重新勾选。",
    "channel": "您的账号未绑定监测哨点，不能以哨点名义报告。",
}
PLACE_MISSING = "请填写发生地点：输入村、镇名称中的字后从列表中选择，或填写行政区划代码。"
PLACE_UNKNOWN = ("没有找到“{text}”：请输入村、镇名称中的字（如“金坑”）后从列表中选择，"
                 "或填写6/9/12位行政区划代码。")
PLACE_AMBIGUOUS = "有{count}个地点与“{text}”相符（如{examples}），请从列表中选择，或输入更完整的名称。"
# What the page checks itself before it keeps a report offline (static/report/checks.js): the
# same messages, by the same keys.
CLIENT_MESSAGES = {
    **{key: FIELD_MESSAGES[key] for key in (
        "narrative", "location.region_code", "location.address", "children", "children.N.age",
        "children.N.id_number:id_number_format", "children.N.id_number:id_number_check",
        "children.N.name", "reporter.phone", "reporter.name", "location.address:id_number_in_text",
        "reporter.phone:mobile_length")},
    "place:missing": PLACE_MISSING, "place:unknown": PLACE_UNKNOWN, "place:ambiguous": PLACE_AMBIGUOUS,
}
