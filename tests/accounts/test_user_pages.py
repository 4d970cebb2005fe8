"""The admin's account page: adding someone says who was added, a refused form keeps what was
typed (never the password), and a disabled account is said so."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from examhall.db import Database
from tests.conftest import add_staff, form_token


def test_adding_a_user_says_who_was_added(staff_client: Callable[..., TestClient]) -> None:
    admin = staff_client("admin")
    token = form_token(admin, "/admin/users")
    form = {"csrf_token": token, "username": "zhangsan", "display_name": "张三", "role": "proctor"}
    added = admin.post("/admin/users", data={**form, "password": "password-123"})
    assert added.status_code == 200 and str(added.url).endswith("/admin/users")
    assert "已添加账号“zhangsan”（张三，监考员）" in added.text


def test_a_refused_user_keeps_what_was_typed_but_not_the_password(
    staff_client: Callable[..., TestClient], database: Database
) -> None:
    admin = staff_client("admin")
    add_staff(database, "zhangsan", "proctor")
    token = form_token(admin, "/admin/users")
    form = {"csrf_token": token, "username": "zhangsan", "display_name": "张三丰", "role": "chief_examiner"}
    refused = admin.post("/admin/users", data={**form, "password": "secret-password-1"})
    assert refused.status_code == 409 and "用户名“zhangsan”已存在" in refused.text
    assert 'value="zhangsan"' in refused.text and 'value="张三丰"' in refused.text
    assert '<option value="chief_examiner" selected>' in refused.text
    assert "secret-password-1" not in refused.text


def test_disabling_an_account_says_so(staff_client: Callable[..., TestClient], database: Database) -> None:
    admin = staff_client("admin")
    user = add_staff(database, "lisi", "proctor")
    token = form_token(admin, "/admin/users")
    done = admin.post(f"/admin/users/{user.id}", data={"csrf_token": token, "disabled": "1"})
    assert "已停用lisi的账号" in done.text
