"""The admin page's sentinel point takes its region by name, as the report form and the console
do (the shared place picker): a posted name is mapped to its code on the server; a name that
is no one place is refused next to the field, in Chinese."""

import re

import pytest
from httpx import Response

from services.bootstrap import ApiContainer
from tests.conftest import Api
from tests.unit.test_admin_audit_pages import admin


def post_sentinel(api: Api, csrf: str, region: str, name: str = "金坑村村委会") -> Response:
    return api.client.post("/admin/sentinels", data={"csrf": csrf, "name": name, "kind": "community",
                                                     "region_code": region, "first_reporter": "teacher1"},
                           follow_redirects=False)


def test_the_sentinel_form_offers_the_places_by_name(api: Api) -> None:
    admin(api)
    page = api.client.get("/admin").text
    assert re.search(r'<input type="text" id="f-region_code" name="region_code" value="" '
                     r'list="f-region_code-names"', page)
    assert '<option value="连南瑶族自治县 三江镇 金坑村" data-code="441823100201">' in page
    assert '<select id="f-place"' not in page


@pytest.mark.parametrize(("typed", "code"), [("金坑", "441823100201"),
                                              ("连南瑶族自治县 三排镇 油岭村", "441823106201"),
                                              ("441823106", "441823106")])
def test_a_sentinel_is_registered_by_part_of_its_places_name_or_a_code(
    api: Api, hotline: ApiContainer, typed: str, code: str
) -> None:
    r = post_sentinel(api, admin(api), typed)
    assert r.status_code == 303, r.text
    (sentinel,) = hotline.accounts.list_sentinels()
    assert sentinel.region_code == code


@pytest.mark.parametrize(("typed", "said"), [
    ("新寨", "个地点与“新寨”相符"),          # two villages: choose one
    ("月球", "没有找到“月球”"),
    ("", "请填写哨点所在地区"),
    ("4418", "行政区划代码须为6位"),
])
def test_a_region_that_is_no_one_place_is_refused_next_to_the_field(
    api: Api, hotline: ApiContainer, typed: str, said: str
) -> None:
    r = post_sentinel(api, admin(api), typed)
    assert r.status_code == 422
    error = re.search(r'<p class="error" id="error-region_code">([^<]+)</p>', r.text)
    assert error and said in error.group(1)
    assert 'id="f-region_code"' in r.text and 'aria-describedby="error-region_code"' in r.text
    assert f'value="{typed}"' in r.text  # what was typed is kept
    assert hotline.accounts.list_sentinels() == []
