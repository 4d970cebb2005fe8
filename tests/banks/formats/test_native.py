"""examhall-bank/1 in YAML and JSON: read as docs/bank-format.md says, problems located by
item key or position, and YAML aliases refused."""

import json
from datetime import date

import yaml

from examhall.banks.formats import read, write
from examhall.banks.items import ItemDraft

BANK = """
format: examhall-bank/1
code: coal-safety-check
name: 煤矿安全检查作业
description: 特种作业题库
items:
  - key: AJ-0001
    type: single_choice
    stem: 矿井总回风巷中甲烷浓度超过（  ）时，必须立即查明原因。
    options: ["0.5%", "0.75%", "1.0%", "1.5%"]
    answer: B
    explanation: 《煤矿安全规程》规定为0.75%。
    category: 煤矿安全检查作业
    knowledge_points: [瓦斯防治]
    difficulty: 2
    source: national
    reference: 《煤矿安全规程》第一百七十一条
    effective_from: 2022-04-01
    retire_on: null
    images: []
  - key: AJ-0002
    type: multiple_choice
    stem: 下列正确的有（  ）。
    options: [甲, 乙, 丙, 以上都对]
    answer: [A, B, D]
  - key: AJ-0003
    type: true_false
    stem: 井下可以吸烟。
    answer: 错
  - key: AJ-0004
    type: fill_blank
    stem: 浓度达到（  ）时停止工作，并撤出（  ）。
    answer: [["1.5%", "百分之一点五"], [人员]]
  - key: AJ-0005
    type: fill_blank
    stem: 文字形式的答案（  ）和（  ）
    answer: 0.75%;百分之零点七五|20%
"""


def test_a_yaml_bank_reads_as_the_format_document_describes():
    bank = read("coal.yaml", BANK.encode())
    assert bank.problems == []
    assert (bank.code, bank.name, bank.description) == ("coal-safety-check", "煤矿安全检查作业", "特种作业题库")
    single, multiple, true_false, fill, text_fill = bank.drafts
    assert (single.answer, single.difficulty, single.effective_from, single.retire_on) == (
        [1],
        2,
        date(2022, 4, 1),
        None,
    )
    assert (multiple.answer, multiple.fixed_options) == ([0, 1, 3], [3])
    assert true_false.answer is False
    assert fill.answer == [["1.5%", "百分之一点五"], ["人员"]]
    assert text_fill.answer == [["0.75%", "百分之零点七五"], ["20%"]]


def test_the_same_bank_in_json_reads_the_same():
    as_json = json.dumps(yaml.safe_load(BANK), default=str, ensure_ascii=False).encode()
    from_json, from_yaml = read("coal.json", as_json), read("coal.yml", BANK.encode())
    assert [d.content() for d in from_json.drafts] == [d.content() for d in from_yaml.drafts]


def test_problems_are_located_by_item_key_or_position():
    text = """
format: examhall-bank/1
items:
  - key: K1
    type: single_choice
    stem: 问
    options: [甲, 乙]
    answer: AB
  - type: multiple_choice
    stem: ""
    options: [甲, 乙]
    answer: A
    colour: red
"""
    bank = read("bank.yaml", text.encode())
    found = {(p.code, p.where_en) for p in bank.problems}
    assert ("several_keys", "bank.yaml, column 'answer', item 'K1'") in found
    assert ("empty_stem", "bank.yaml, column 'stem', item '#2'") in found
    assert ("too_few_keys", "bank.yaml, column 'answer', item '#2'") in found
    assert ("unknown_field", "bank.yaml, item '#2'") in found


def test_fixed_options_given_as_an_empty_list_fix_nothing():
    text = """
format: examhall-bank/1
items:
  - {type: single_choice, stem: 问, options: [甲, 以上都不对], answer: A, fixed_options: []}
  - {type: single_choice, stem: 问二, options: [甲, 以上都不对], answer: A}
  - {type: single_choice, stem: 问三, options: [甲, 乙], answer: A, fixed_options: [A]}
"""
    bank = read("bank.yaml", text.encode())
    assert [d.fixed_options for d in bank.drafts] == [[], [1], [0]]


def test_a_yaml_alias_bomb_is_refused_before_it_is_expanded():
    bomb = "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n"
    for name, previous in zip("bcdefghi", "abcdefgh", strict=True):
        bomb += f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]\n"
    bank = read("bank.yaml", bomb.encode())
    assert [p.code for p in bank.problems] == ["yaml_alias"] and bank.drafts == []


def test_python_tags_in_yaml_are_refused():
    bank = read("bank.yaml", b"!!python/object/apply:os.system ['echo hi']\n")
    assert [p.code for p in bank.problems] == ["bad_file"]


def test_a_file_of_another_format_is_named_as_not_an_examhall_bank():
    bank = read("bank.json", b'{"format": "other/2", "items": []}')
    assert [p.code for p in bank.problems] == ["bad_format"] and "other/2" in bank.problems[0].en


def test_broken_json_names_its_line():
    bank = read("bank.json", b'{"format": "examhall-bank/1",\n "items": [,]}')
    assert [p.code for p in bank.problems] == ["bad_file"] and "line 2" in bank.problems[0].en


def test_written_yaml_holds_no_anchors_even_when_drafts_share_lists():
    shared = ["瓦斯"]
    drafts = [
        ItemDraft(type="true_false", stem="甲", answer=True, knowledge_points=shared),
        ItemDraft(type="true_false", stem="乙", answer=False, knowledge_points=shared),
    ]
    data, extension = write("yaml", code="c", name="n", description="", drafts=drafts, images={})
    assert extension == "yaml" and b"&id" not in data
    assert [d.knowledge_points for d in read("bank.yaml", data).drafts] == [["瓦斯"], ["瓦斯"]]
