"""Resident identity numbers (居民身份证号码) under GB 11643-1999: 18 characters, a plausible
region and birth date, and the ISO 7064 MOD 11-2 check character (X in either case)."""

import re
from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
# Province-level codes (GB/T 2260), and 81/82/83 of residence permits for Hong Kong, Macao and
# Taiwan residents.
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class IdNumber:
    value: str  # normalised: 18 characters, a final X upper-case
    region: str
    birth_date: date
    gender: str  # 男 or 女


@dataclass(frozen=True)
class IdProblem:
    code: str
    zh: str
    en: str


def check_character(first17: str) -> str:
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def parse_id_number(raw: object, *, today: date) -> IdNumber | IdProblem:
    text = re.sub(r"\s", "", str(raw or "")).upper()
    if not text:
        return IdProblem("id_missing", "身份证号为空", "the ID number is empty")
    if re.fullmatch(r"\d{15}", text):
        return IdProblem(
            "id_legacy",
            "这是15位旧身份证号，请改用18位身份证号",
            "this is a legacy 15-digit ID number; use the 18-character number",
        )
    if not re.fullmatch(r"\d{17}[\dX]", text):
        return IdProblem(
            "id_format",
            f"身份证号应为18位（17位数字加1位数字或X），现为“{text}”",
            f"an ID number is 17 digits and a digit or X; got '{text}'",
        )
    if text[:2] not in PROVINCES or text[2:6] == "0000":
        return IdProblem("id_region", f"身份证号的地址码“{text[:6]}”不存在", f"no such region code '{text[:6]}'")
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return IdProblem(
            "id_birth_date",
            f"身份证号中的出生日期“{text[6:14]}”不存在",
            f"the birth date '{text[6:14]}' in the ID number does not exist",
        )
    if born.year < 1900 or born > today:
        return IdProblem(
            "id_birth_date",
            f"身份证号中的出生日期“{text[6:14]}”不合理",
            f"the birth date '{text[6:14]}' in the ID number is not plausible",
        )
    if check_character(text[:17]) != text[17]:
        return IdProblem("id_check_digit", "身份证号校验码不正确，请核对", "the ID number's check character is wrong")
    return IdNumber(text, text[:6], born, "男" if int(text[16]) % 2 else "女")
