"""examhall's own bank format, examhall-bank/1 (docs/bank-format.md), in YAML or JSON."""

import json
from datetime import date
from typing import Any

import yaml

from examhall.banks.formats.common import (
    Parsed,
    cell_text,
    decode_text,
    file_problem,
    image_names,
    keep_author_text,
    letters,
    not_a,
    parse_date,
    parse_letters,
    positional,
    split_list,
)
from examhall.banks.items import (
    ItemDraft,
    Location,
    fixed_by_text,
    format_answer,
    parse_answer,
    parse_difficulty,
    parse_source,
    parse_type,
    problem,
)
from examhall.errors import Problem

FORMAT = "examhall-bank/1"
ITEM_FIELDS = {
    "key",
    "type",
    "stem",
    "options",
    "answer",
    "explanation",
    "category",
    "knowledge_points",
    "difficulty",
    "source",
    "reference",
    "effective_from",
    "retire_on",
    "images",
    "fixed_options",
}
Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Dumper(yaml.SafeDumper):
    """Never writes anchors and aliases: the reader refuses them."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _load(file: str, data: bytes, as_json: bool) -> tuple[Any, list[Problem]]:
    what_zh, what_en = ("JSON 文件", "JSON file") if as_json else ("YAML 文件", "YAML file")
    text = decode_text(data)
    if text is None:
        return None, [not_a(file, data, what_zh, what_en)]
    try:
        if as_json:
            return json.loads(text), []
        # Aliases let a few lines stand for billions of nodes ("billion laughs"); a bank has no
        # use for them, so any anchor refuses the file before anything is built.
        for event in yaml.parse(text, Loader=Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                return None, [
                    file_problem(
                        file,
                        "yaml_alias",
                        "YAML 文件中含有锚点或别名（& 或 *），出于安全原因拒绝导入",
                        "the YAML file uses anchors or aliases (& or *); refused for safety",
                    )
                ]
        return yaml.load(text, Loader=Loader), []  # noqa: S506 - a safe loader, C or Python
    except json.JSONDecodeError as exc:
        return None, [
            not_a(file, data, what_zh, what_en, f"第{exc.lineno}行：{exc.msg}", f"line {exc.lineno}: {exc.msg}")
        ]
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        reason = exc.problem or "?"
        return None, [not_a(file, data, what_zh, what_en, f"第{line}行：{reason}", f"line {line}: {reason}")]
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        return None, [not_a(file, data, what_zh, what_en, str(exc)[:200], str(exc)[:200])]


def _text(value: Any, where: Location, notes: list[Problem]) -> str:
    if isinstance(value, dict | list):
        notes.append(problem(where, "bad_field", "此处应为文字", "this field must be text"))
        return ""
    return cell_text(value)


def _answer(item_type: str, raw: Any, where: Location) -> tuple[Any, list[Problem]]:
    if item_type == "fill_blank" and isinstance(raw, list):
        blanks = [[cell_text(a) for a in blank] if isinstance(blank, list) else [cell_text(blank)] for blank in raw]
        blanks = [[a for a in blank if a] for blank in blanks]
        if not blanks or not all(blanks):
            return None, [problem(where, "missing_key", "填空题有空缺少答案", "a blank has no accepted answer")]
        return blanks, []
    if isinstance(raw, list):
        raw = ",".join(cell_text(part) for part in raw)
    text = raw if isinstance(raw, bool) else cell_text(raw)
    answer, found = parse_answer(item_type, text, where)
    if item_type == "fill_blank" and isinstance(answer, list) and isinstance(text, str):
        answer = keep_author_text(answer, text)  # type: ignore[arg-type]
    return answer, found


def _item(raw: dict[str, Any], where: Location) -> tuple[ItemDraft | None, list[Problem]]:
    notes: list[Problem] = []
    for name in raw:
        if name not in ITEM_FIELDS:
            notes.append(
                problem(
                    where,
                    "unknown_field",
                    f"不认识的字段“{name}”，已忽略",
                    f"unknown field '{name}' ignored",
                    warning=True,
                )
            )
    item_type, found = parse_type(raw.get("type"), where.at("type"))
    notes += found
    if item_type is None:
        return None, notes
    options_raw = raw.get("options") or []
    if not isinstance(options_raw, list):
        notes.append(problem(where.at("options"), "bad_field", "选项应为列表", "options must be a list"))
        options_raw = []
    options = [_text(option, where.at("options"), notes) for option in options_raw]
    answer, found = _answer(item_type, raw.get("answer"), where.at("answer"))
    notes += found
    difficulty, found = parse_difficulty(raw.get("difficulty"), where.at("difficulty"))
    notes += found
    source, found = parse_source(raw.get("source"), where.at("source"))
    notes += found
    effective_from, found = parse_date(raw.get("effective_from"), where.at("effective_from"))
    notes += found
    retire_on, found = parse_date(raw.get("retire_on"), where.at("retire_on"))
    notes += found
    fixed, found = parse_letters(raw.get("fixed_options"), where.at("fixed_options"))
    if "fixed_options" in raw and fixed is None:
        fixed = []  # present but empty: none stay in place
    notes += found
    points = raw.get("knowledge_points")
    draft = ItemDraft(
        type=item_type,
        stem=_text(raw.get("stem"), where.at("stem"), notes),
        answer=answer if answer is not None else [],
        options=options,
        explanation=_text(raw.get("explanation"), where.at("explanation"), notes),
        category=_text(raw.get("category"), where.at("category"), notes),
        knowledge_points=[cell_text(p) for p in points] if isinstance(points, list) else split_list(cell_text(points)),
        difficulty=difficulty,
        source=source,
        reference=_text(raw.get("reference"), where.at("reference"), notes),
        effective_from=effective_from,
        retire_on=retire_on,
        images=image_names(raw.get("images")),
        fixed_options=positional(options, fixed),
        key=_text(raw.get("key"), where.at("key"), notes),
        where=where,
    )
    return draft, notes


def read_native(file: str, data: bytes, *, as_json: bool) -> Parsed:
    bank, problems = _load(file, data, as_json)
    if problems:
        return Parsed(problems=problems)
    if not isinstance(bank, dict) or bank.get("format") != FORMAT:
        found = bank.get("format") if isinstance(bank, dict) else None
        return Parsed(
            problems=[
                file_problem(
                    file,
                    "bad_format",
                    f"不是 examhall 题库文件：format 应为 {FORMAT}" + (f"，而不是“{found}”" if found else ""),
                    f"not an examhall bank file: format must be {FORMAT}" + (f", not '{found}'" if found else ""),
                )
            ]
        )
    parsed = Parsed(
        code=cell_text(bank.get("code")),
        name=cell_text(bank.get("name")),
        description=cell_text(bank.get("description")),
    )
    items = bank.get("items") or []
    if not isinstance(items, list):
        parsed.problems.append(file_problem(file, "bad_field", "items 应为试题列表", "items must be a list of items"))
        return parsed
    for number, raw in enumerate(items, 1):
        key = cell_text(raw.get("key")) if isinstance(raw, dict) else ""
        where = Location(file=file, identifier=key or f"#{number}")
        if not isinstance(raw, dict):
            parsed.problems.append(
                problem(where, "bad_item", "试题应为字段与值的映射", "an item must be a mapping of fields")
            )
            continue
        draft, notes = _item(raw, where)
        if draft is None:
            parsed.problems += notes
        else:
            parsed.add(draft, notes)
    return parsed


def _plain(draft: ItemDraft, as_json: bool) -> dict[str, Any]:
    def day(value: date | None) -> Any:
        return value.isoformat() if as_json and value else value

    item: dict[str, Any] = {"key": draft.key} if draft.key else {}
    item["type"] = draft.type
    item["stem"] = draft.stem
    if draft.options:
        item["options"] = list(draft.options)
    if isinstance(draft.answer, bool):
        item["answer"] = draft.answer
    elif draft.type == "fill_blank":
        item["answer"] = [list(blank) for blank in draft.answer if isinstance(blank, list)]
    else:
        item["answer"] = format_answer(draft)
    item.update(
        explanation=draft.explanation,
        category=draft.category,
        knowledge_points=list(draft.knowledge_points),
        difficulty=draft.difficulty,
        source=draft.source,
        reference=draft.reference,
        effective_from=day(draft.effective_from),
        retire_on=day(draft.retire_on),
        images=list(draft.images),
    )
    if draft.fixed_options != fixed_by_text(draft.options):
        item["fixed_options"] = [letters([i]) for i in draft.fixed_options]
    return item


def write_native(code: str, name: str, description: str, drafts: list[ItemDraft], *, as_json: bool) -> bytes:
    bank = {
        "format": FORMAT,
        "code": code,
        "name": name,
        "description": description,
        "items": [_plain(draft, as_json) for draft in drafts],
    }
    if as_json:
        return (json.dumps(bank, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    text = yaml.dump(bank, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000)
    return text.encode("utf-8")
