"""Blueprints (组卷规则): how a paper is drawn. Stored and exchanged as documented YAML/JSON
(docs/blueprint-format.md); read here with every problem named by its field."""

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from examhall.errors import Problem

PRESETS_DIR = Path(__file__).resolve().parent / "presets"

Points = Annotated[Decimal, Field(gt=0, le=100, decimal_places=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Section(Strict):
    title: str = ""
    type: Literal["true_false", "single_choice", "multiple_choice", "fill_blank"]
    count: int = Field(ge=1, le=500)
    points: Points
    # multiple_choice: all_or_nothing, or partial (a correct subset with no wrong choice earns
    # partial_share of the points); fill_blank: all_or_nothing, or per_blank (points split evenly).
    scoring: Literal["all_or_nothing", "partial", "per_blank"] = "all_or_nothing"
    partial_share: Decimal = Field(Decimal("0.5"), gt=0, lt=1, decimal_places=2)

    @model_validator(mode="after")
    def _scoring_fits_type(self) -> "Section":
        allowed = {"multiple_choice": ("all_or_nothing", "partial"), "fill_blank": ("all_or_nothing", "per_blank")}
        if self.scoring not in allowed.get(self.type, ("all_or_nothing",)):
            raise ValueError(
                f"评分方式{self.scoring}不适用于{self.type}||scoring '{self.scoring}' does not apply to {self.type}"
            )
        return self


class Quota(Strict):
    """A count of a paper's items with a category or a knowledge point: exact, or min and/or max."""

    category: str = ""
    knowledge_point: str = ""
    exact: int | None = Field(None, ge=0)
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _one_subject_and_bound(self) -> "Quota":
        if bool(self.category) == bool(self.knowledge_point):
            raise ValueError("配额须指定分类或知识点之一||a quota names either a category or a knowledge_point")
        if self.exact is None and self.min is None and self.max is None:
            raise ValueError("配额须给出 exact、min 或 max||a quota needs exact, min or max")
        if self.exact is not None and (self.min is not None or self.max is not None):
            raise ValueError("配额给出 exact 或 min/max，不能同时给出||a quota has exact, or min/max, not both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min 大于 max||min is above max")
        return self

    @property
    def label(self) -> str:
        return f"分类“{self.category}”" if self.category else f"知识点“{self.knowledge_point}”"

    @property
    def label_en(self) -> str:
        return f"category '{self.category}'" if self.category else f"knowledge point '{self.knowledge_point}'"

    @property
    def low(self) -> int:
        return self.exact if self.exact is not None else (self.min or 0)

    @property
    def high(self) -> int | None:
        return self.exact if self.exact is not None else self.max


class Difficulty(Strict):
    """A mean with a tolerance, or a count of items per level (1-5)."""

    mean: Decimal | None = Field(None, ge=1, le=5)
    tolerance: Decimal = Field(Decimal("0.3"), ge=0, le=4)
    levels: dict[int, int] | None = None

    @model_validator(mode="after")
    def _mean_or_levels(self) -> "Difficulty":
        if (self.mean is None) == (self.levels is None):
            raise ValueError(
                "难度须给出均值（及容差）或各级题数，二者之一||"
                "give difficulty as mean (with tolerance) or as levels, one of the two"
            )
        if self.levels is not None and any(level not in range(1, 6) or n < 0 for level, n in self.levels.items()):
            raise ValueError("levels 为难度1-5各级的题数||levels are counts for difficulties 1 to 5")
        return self


class Source(Strict):
    national_min_share: Decimal = Field(ge=0, le=1)


class Blueprint(Strict):
    format: Literal["examhall-blueprint/1"] = "examhall-blueprint/1"
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{2,64}$")
    title: str = Field(min_length=1, max_length=200)
    duration_minutes: int = Field(ge=1, le=600)
    pass_mark: Decimal = Field(ge=0)
    shuffle_items: bool = True
    shuffle_options: bool = True
    sections: list[Section] = Field(min_length=1, max_length=10)
    quotas: list[Quota] = Field(default_factory=list)
    difficulty: Difficulty | None = None
    source: Source | None = None

    @property
    def total_points(self) -> Decimal:
        return sum((s.points * s.count for s in self.sections), Decimal(0))

    @property
    def item_count(self) -> int:
        return sum(s.count for s in self.sections)

    @model_validator(mode="after")
    def _consistent(self) -> "Blueprint":
        if self.pass_mark > self.total_points:
            raise ValueError(
                f"及格分{self.pass_mark}高于总分{self.total_points}||"
                f"pass_mark {self.pass_mark} is above the total of {self.total_points} points"
            )
        if (
            self.difficulty
            and self.difficulty.levels is not None
            and sum(self.difficulty.levels.values()) != (self.item_count)
        ):
            levels = sum(self.difficulty.levels.values())
            raise ValueError(
                f"难度各级合计{levels}题，各部分合计{self.item_count}题||"
                f"difficulty levels count {levels} items, the sections {self.item_count}"
            )
        return self

    def document(self) -> dict[str, Any]:
        """The JSON form this blueprint is stored and exchanged as."""
        return self.model_dump(mode="json", exclude_none=True)


PYDANTIC_ZH = {
    "missing": "缺少此项",
    "extra_forbidden": "不认识的字段",
    "string_pattern_mismatch": "格式不符",
    "greater_than_equal": "应不小于{ge}",
    "greater_than": "应大于{gt}",
    "less_than_equal": "应不大于{le}",
    "less_than": "应小于{lt}",
    "literal_error": "应为以下之一：{expected}",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "decimal_parsing": "应为数字",
    "decimal_max_places": "最多{decimal_places}位小数",
    "too_short": "至少{min_length}项",
    "too_long": "至多{max_length}项",
    "bool_parsing": "应为 true 或 false",
    "string_too_short": "不能为空",
    "string_too_long": "过长",
    "dict_type": "应为映射",
    "list_type": "应为列表",
    "string_type": "应为文字",
    "model_type": "应为映射",
}


def _problem(error: Any, source: str) -> Problem:
    where = f"{source}: " + (".".join(str(part) for part in error["loc"]) or "blueprint")
    message = str(error["msg"])
    if error["type"] == "value_error" and "||" in message:
        zh, en = message.removeprefix("Value error, ").split("||", 1)
        return Problem("bad_blueprint", zh, en, where)
    zh = PYDANTIC_ZH.get(error["type"], message).format(**{k: v for k, v in (error.get("ctx") or {}).items()})
    return Problem("bad_blueprint", zh, message, where)


def parse(document: Any, *, source: str = "blueprint") -> tuple[Blueprint | None, list[Problem]]:
    """A blueprint from its JSON/YAML document, or every problem in it, each named by field."""
    if not isinstance(document, dict):
        return None, [
            Problem(
                "bad_blueprint",
                "组卷规则应为一个对象（YAML/JSON 映射）",
                "a blueprint is one YAML/JSON mapping",
                source,
            )
        ]
    try:
        return Blueprint.model_validate(document), []
    except ValidationError as exc:
        return None, [_problem(error, source) for error in exc.errors()]


def parse_text(text: str, *, source: str = "blueprint") -> tuple[Blueprint | None, list[Problem]]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}: line {mark.line + 1}" if mark else source
        return None, [Problem("bad_yaml", "不是有效的 YAML/JSON", f"not valid YAML/JSON ({exc})", where)]
    return parse(document, source=source)


def presets() -> dict[str, Blueprint]:
    """The blueprints shipped with examhall, by name."""
    found = {}
    for path in sorted(PRESETS_DIR.glob("*.yaml")):
        blueprint, problems = parse_text(path.read_text(encoding="utf-8"), source=path.name)
        assert blueprint is not None, problems
        found[blueprint.name] = blueprint
    return found
