"""Papers from the database: blueprints checked against banks when saved, a sitting's papers
drawn and stored, rebuilt identically, and shown to candidates without keys or item ids."""

import json
from collections.abc import Callable
from datetime import date

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from examhall.banks import service as banks
from examhall.banks.service import shipped_dir
from examhall.cli import main
from examhall.db import Database
from examhall.errors import Invalid
from examhall.papers import service
from examhall.papers.blueprint import parse, presets
from examhall.trace import service as trace
from tests.conftest import TEST_ACTOR, form_token

ON = date(2026, 12, 1)


@pytest.fixture
def bank(database: Database) -> str:
    path = shipped_dir() / "coal-safety-check.yaml"
    with database.transaction() as db:
        banks.import_file(db, code="coal-safety-check", filename=path.name, data=path.read_bytes(), actor=TEST_ACTOR)
    return "coal-safety-check"


def _seats(n: int) -> list[service.Seat]:
    return [service.Seat(neighbours=[i for i in (k - 1, k + 1) if 0 <= i < n], seen=set()) for k in range(n)]


def test_a_sittings_papers_are_drawn_stored_and_rebuilt_identically(database: Database, bank: str) -> None:
    blueprint = presets()["special_operations"]
    with database.transaction() as db:
        draw, papers = service.draw_papers(db, blueprint=blueprint, bank_codes=[bank], on=ON, seats=_seats(6), seed=42)
    assert len(papers) == 6 and all(len(p.choices) == 100 for p in papers)
    assert len({tuple(v for v, _, _ in p.choices) for p in papers}) == 6  # a different paper each
    with database.transaction(write=False) as db:
        for paper in papers:
            result = service.rebuild(db, paper_id=paper.id)
            assert result.identical, result.differences
        report = service.draw_report(db, draw_id=draw.id)
    assert all(abs(float(s.mean_difficulty) - 2.5) <= 0.5 for s in report)
    assert all(s.national_share >= 0.8 for s in report)


def test_a_changed_stored_paper_does_not_rebuild(database: Database, bank: str) -> None:
    from sqlalchemy import text

    with database.transaction() as db:
        _, papers = service.draw_papers(
            db, blueprint=presets()["special_operations"], bank_codes=[bank], on=ON, seats=_seats(2), seed=7
        )
    with database.engine.begin() as conn:  # someone with database access, past the triggers
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER papers_no_update"))
        else:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        choices = papers[1].choices
        choices[0], choices[1] = choices[1], choices[0]
        conn.execute(
            text("UPDATE papers SET choices = :c WHERE id = :id"), {"c": json.dumps(choices), "id": papers[1].id}
        )
    with database.transaction(write=False) as db:
        result = service.rebuild(db, paper_id=papers[1].id)
    assert not result.identical and "position 1" in result.differences[0]


def test_a_paper_is_stored_as_its_candidate_sees_it_and_a_changed_copy_is_found(database: Database, bank: str) -> None:
    from sqlalchemy import text

    from examhall.papers import sheets

    with database.transaction() as db:
        _, drawn = service.draw_papers(
            db, blueprint=presets()["special_operations"], bank_codes=[bank], on=ON, seats=_seats(2), seed=11
        )
        ids = [paper.id for paper in drawn]
    with database.transaction(write=False) as db:
        for paper_id in ids:
            view = service.paper_view(db, paper_id)
            stored = db.scalar(text("SELECT sheet FROM papers WHERE id = :id"), {"id": paper_id})
            assert stored == sheets.render(view.blueprint, view.items)
            sent = json.loads("{" + stored + "}")
            assert [item["n"] for item in sent["items"]] == list(range(1, 101))
            assert "answer" not in stored and sent["sections"] == view.sections()
    with database.engine.begin() as conn:  # an option's text changed in the stored copy, past the triggers
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER papers_no_update"))
        else:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE papers SET sheet = replace(sheet, '\"A\"', '\"B\"') WHERE id = :id"), {"id": ids[1]})
    with database.transaction(write=False) as db:
        assert service.rebuild(db, paper_id=ids[0]).identical
        changed = service.rebuild(db, paper_id=ids[1])
    assert not changed.identical and changed.differences == [
        "the paper as stored for the candidate's page is not the paper drawn"
    ]


def test_papers_never_change_in_the_database(database: Database, bank: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    with database.transaction() as db:
        service.draw_papers(
            db, blueprint=presets()["special_operations"], bank_codes=[bank], on=ON, seats=_seats(1), seed=1
        )
    for statement in ("UPDATE papers SET seed = 1", "DELETE FROM papers", "DELETE FROM paper_draws"):
        with pytest.raises(DatabaseError), database.engine.begin() as conn:
            conn.execute(text(statement))


def test_what_a_candidate_is_shown_holds_no_key_and_no_item_id(database: Database, bank: str) -> None:
    with database.transaction() as db:
        _, papers = service.draw_papers(
            db, blueprint=presets()["special_operations"], bank_codes=[bank], on=ON, seats=_seats(1), seed=3
        )
    with database.transaction(write=False) as db:
        shown = [item.as_dict() for item in service.paper_view(db, papers[0].id).items]
        versions = service.versions_by_id(db, [v for v, _, _ in papers[0].choices])
    payload = json.dumps(shown, ensure_ascii=False)
    for key in ("answer", "key", "version", "item_id", "explanation", "AJ-0"):
        assert key not in payload
    ids = {str(v) for v in versions}
    assert not any(f'"{i}"' in payload or f": {i}," in payload for i in ids if len(i) > 2)
    assert [item["n"] for item in shown] == list(range(1, 101))
    first = papers[0].choices[0]
    version = versions[first[0]]
    assert shown[0]["stem"] == version.stem


def test_an_infeasible_blueprint_is_refused_with_what_is_missing(
    staff_client: Callable[..., TestClient], database: Database, bank: str
) -> None:
    document = presets()["special_operations"].document()
    document["sections"][1]["count"] = 500
    admin = staff_client("admin")
    response = admin.put(
        "/api/v1/papers/blueprints/special_operations", json={"document": document, "check_banks": [bank]}
    )
    assert response.status_code == 422
    messages = [p["message"] for p in response.json()["problems"]]
    assert any("缺" in m and "单选题" in m for m in messages), messages
    with database.transaction(write=False) as db:
        assert trace.events(db, "blueprint:special_operations") == []
    document["sections"][1]["count"] = 30
    saved = admin.put(
        "/api/v1/papers/blueprints/special_operations", json={"document": document, "check_banks": [bank]}
    )
    assert saved.status_code == 200


def test_the_blueprint_page_names_bad_fields(staff_client: Callable[..., TestClient], bank: str) -> None:
    admin = staff_client("admin")
    token = form_token(admin, "/admin/blueprints/special_operations")
    text = yaml.safe_dump({**presets()["special_operations"].document(), "pass_mark": 150}, allow_unicode=True)
    response = admin.post("/admin/blueprints", data={"csrf_token": token, "text": text, "bank": bank})
    assert response.status_code == 422 and "及格分150高于总分100" in response.text
    response = admin.post("/admin/blueprints", data={"csrf_token": token, "text": "sections: [", "bank": bank})
    assert response.status_code == 422 and "不是有效的 YAML" in response.text


def test_preview_cli_is_repeatable_json(
    database: Database, bank: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EXAMHALL_DATABASE_URL", database.settings.database_url)
    argv = [
        "paper",
        "preview",
        "--bank",
        bank,
        "--preset",
        "special_operations",
        "--seed",
        "11",
        "--json",
        "--date",
        "2026-12-01",
    ]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == first
    assert (first["total_points"], first["duration_minutes"], first["pass_mark"]) == (100, 120, 80)
    assert [i["type"] for i in first["items"]] == ["true_false"] * 70 + ["single_choice"] * 30
    assert all({"type", "points", "item_id", "version"} <= set(i) for i in first["items"])
    assert main([*argv[:6], "--seed", "12", "--json", "--date", "2026-12-01"]) == 0
    assert json.loads(capsys.readouterr().out)["items"] != first["items"]


def test_preview_cli_reports_an_infeasible_blueprint(
    database: Database, bank: str, tmp_path: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pathlib import Path

    monkeypatch.setenv("EXAMHALL_DATABASE_URL", database.settings.database_url)
    document = presets()["principal_manager"].document()
    document["sections"][2]["count"] = 50  # the bank has 20 multiple-choice items
    document["sections"][2]["points"] = 1
    document["sections"][0]["count"] = 10
    path = Path(str(tmp_path)) / "pm.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    assert main(["paper", "preview", "--bank", bank, "--blueprint", str(path), "--seed", "1"]) == 1
    err = capsys.readouterr().err
    assert "multiple_choice" in err and "missing" in err


def test_rebuild_cli(
    database: Database, bank: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EXAMHALL_DATABASE_URL", database.settings.database_url)
    with database.transaction() as db:
        _, papers = service.draw_papers(
            db, blueprint=presets()["special_operations"], bank_codes=[bank], on=ON, seats=_seats(3), seed=5
        )
    assert main(["paper", "rebuild", str(papers[2].id)]) == 0
    assert "identical" in capsys.readouterr().out
    assert main(["paper", "rebuild", "999999"]) == 1


def test_preset_documents_parse_back(bank: str) -> None:
    for blueprint in presets().values():
        again, problems = parse(blueprint.document())
        assert again == blueprint and problems == []


def test_unknown_blueprint_is_404(staff_client: Callable[..., TestClient]) -> None:
    assert staff_client("admin").get("/api/v1/papers/blueprints/nothing").status_code == 404


def test_draw_refuses_when_the_bank_cannot_fill(database: Database, bank: str) -> None:
    document = presets()["special_operations"].document()
    document["sections"][0]["count"] = 300  # the bank has 140 true/false items
    blueprint, _ = parse(document)
    assert blueprint is not None
    with pytest.raises(Invalid) as refused, database.transaction() as db:
        service.draw_papers(db, blueprint=blueprint, bank_codes=[bank], on=ON, seats=_seats(1), seed=1)
    assert "160" in refused.value.problems[0].zh


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["single_choice", "multiple_choice", "true_false", "fill_blank"]),
            st.text(max_size=30),
            st.lists(st.text(max_size=10), max_size=6),
            st.integers(0, 5),
            st.integers(0, 3),
        ),
        max_size=8,
    )
)
def test_a_paper_is_rendered_as_its_items_read_as_json(drawn: list[tuple[str, str, list[str], int, int]]) -> None:
    """The sheet written out by hand is the JSON of the items the page reads, whatever their text."""
    from examhall.papers import sheets
    from examhall.papers.service import ShownItem

    blueprint = presets()["special_operations"]
    items = [
        ShownItem(n, n % 2, kind, stem, tuple(options), blanks, ("x",) * images)
        for n, (kind, stem, options, blanks, images) in enumerate(drawn, 1)
    ]
    written = json.loads("{" + sheets.render(blueprint, items) + "}")
    assert written == {"sections": sheets.sections(blueprint), "items": [item.as_dict() for item in items]}
