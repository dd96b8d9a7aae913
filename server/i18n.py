"""What the pages say in English and Korean beyond the templates' own `t(en, ko)` pairs.

Dates and numbers in the reader's language, the names of saved-query parameters, their
types and result columns (the saved queries' Korean summaries are in their `.rq` files, as
`#+ summary_ko`). Every table here has both languages;
tests/test_web_i18n.py checks that, and crawls the pages in both.
"""

from __future__ import annotations

import re

from .webmodel import DATE_TYPES

XSD = "http://www.w3.org/2001/XMLSchema#"
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
# A date, year-month or year, then a dateTime's time (kept as given) or a time zone alone.
_DATE = re.compile(r"^(-?\d{4,})(?:-(\d{2})(?:-(\d{2}))?)?(T[^\s]*|Z|[+-]\d{2}:\d{2})?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^([+-]?)(\d+)\.(\d+)$")
INTEGER_TYPES = {XSD + name for name in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
)}


def format_date(value: str, lang: str) -> str:
    """2021-05-31 as "31 May 2021" or "2021년 5월 31일"; 2021-05 and 2021 likewise; the time of a
    dateTime is kept as given, a time zone alone follows in brackets ("(UTC+09:00)"). Anything
    that is not such a date comes back unchanged."""
    found = _DATE.match(value.strip())
    if not found:
        return value
    year, month, day, time = found.groups()
    if month and not 1 <= int(month) <= 12:
        return value
    if lang == "ko":
        text = f"{int(year)}년" + (f" {int(month)}월" if month else "") + (f" {int(day)}일" if day else "")
    else:
        text = (f"{int(day)} " if day else "") + (f"{MONTHS_EN[int(month) - 1]} " if month else "") + str(int(year))
    if not time:
        return text
    if time.startswith("T"):
        return f"{text} {time[1:]}"
    return f"{text} (UTC{'' if time == 'Z' else time})"  # xsd:date 2021-05-31+09:00 carries a zone


def format_number(value: str, lang: str) -> str:
    """1000 as 1,000 (both languages group thousands with commas); other text unchanged."""
    text = value.strip()
    if _INTEGER.match(text):
        return f"{int(text):,}"
    found = _DECIMAL.match(text)
    if found:
        sign, whole, fraction = found.groups()
        return f"{sign}{int(whole):,}.{fraction}"
    return value


BOOLEANS = {"true": ("yes", "예"), "1": ("yes", "예"), "false": ("no", "아니요"), "0": ("no", "아니요")}


def format_literal(value: str, datatype: str | None, lang: str) -> str:
    """A typed literal as the page shows it: dates, numbers and booleans in the page's language."""
    if datatype in DATE_TYPES:
        return format_date(value, lang)
    if datatype in INTEGER_TYPES or datatype == XSD + "decimal":
        return format_number(value, lang)
    if datatype == XSD + "boolean" and value.strip() in BOOLEANS:
        en, ko = BOOLEANS[value.strip()]
        return ko if lang == "ko" else en
    return value


# Parameter types as queries.Parameter.type names them.
PARAM_TYPES: dict[str, tuple[str, str]] = {
    "iri": ("IRI", "IRI"),
    "string": ("text", "문자열"),
    "langString": ("text with a language", "언어 태그가 있는 문자열"),
    "integer": ("whole number", "정수"),
    "decimal": ("decimal number", "소수"),
    "double": ("number", "실수"),
    "number": ("number", "숫자"),
    "boolean": ("true or false", "참 또는 거짓"),
    "date": ("date", "날짜"),
    "dateTime": ("date and time", "날짜와 시각"),
    "gYear": ("year", "연도"),
    "gYearMonth": ("year and month", "연월"),
}

# Result columns and parameters by variable name; `_ko` / `_en` suffixes are added to these.
NAMES: dict[str, tuple[str, str]] = {
    "applied": ("applied in", "활용처"),
    "applied_in": ("applied in", "활용처"),
    "applied_label": ("applied in (name)", "활용처 이름"),
    "as_of": ("as of", "기준 시점"),
    "consortia": ("consortia", "협력체"),
    "consortium": ("consortium", "협력체"),
    "consortium_count": ("consortia", "협력체 수"),
    "consortium_label": ("consortium (name)", "협력체 이름"),
    "date": ("date", "날짜"),
    "derived_resources": ("resources derived from it", "이 자료에서 나온 자원 수"),
    "description": ("description", "설명"),
    "developer": ("developer", "개발 주체"),
    "developer_label": ("developer (name)", "개발 주체 이름"),
    "developer_organizations": ("developers' organizations", "개발 주체의 소속 기관"),
    "developers": ("developers", "개발 주체"),
    "end_date": ("end date", "종료일"),
    "evidence": ("evidence", "근거"),
    "figure": ("figure", "수치"),
    "founding_date": ("founding date", "결성일"),
    "initiative": ("initiative", "사업"),
    "kind": ("kind", "종류"),
    "kind_label": ("kind (name)", "종류 이름"),
    "kinds": ("kinds", "종류"),
    "label": ("name", "이름"),
    "lang": ("language", "언어"),
    "language": ("language", "언어"),
    "leader": ("led by", "주도"),
    "leader_label": ("led by (name)", "주도 기관 이름"),
    "link": ("link", "연결"),
    "listed_member_count": ("named members", "밝혀진 참여 기관 수"),
    "matched": ("matched name", "일치한 이름"),
    "matched_names": ("matched names", "일치한 이름"),
    "max_value": ("maximum", "최댓값"),
    "member": ("member", "참여 기관"),
    "members": ("members", "참여 기관"),
    "membership": ("membership", "참여 관계"),
    "min_value": ("minimum", "최솟값"),
    "mo": ("member of", "참여 대상"),
    "mp": ("membership property", "참여 속성"),
    "name": ("name", "이름"),
    "o": ("value", "값"),
    "o_label": ("value (name)", "값 이름"),
    "object": ("object", "목적어"),
    "one_team": ("One Team", "원팀"),
    "one_team_count": ("One Teams", "원팀 수"),
    "one_teams": ("One Teams (names)", "원팀 이름"),
    "organization": ("organization", "기관"),
    "organization_label": ("organization (name)", "기관 이름"),
    "organizations": ("organizations", "기관"),
    "outcome": ("outcome", "성과"),
    "outcome_count": ("outcomes", "성과 수"),
    "p": ("property", "속성"),
    "paragraph": ("paragraph", "문단"),
    "person": ("person", "인물"),
    "place": ("place", "장소"),
    "predicate": ("predicate", "술어"),
    "produced_by": ("produced by", "생산 주체"),
    "producer": ("producer", "생산 주체"),
    "producer_label": ("producer (name)", "생산 주체 이름"),
    "property": ("property", "속성"),
    "property_label": ("property (name)", "속성 이름"),
    "q": ("text to look for", "찾을 말"),
    "quantity": ("quantity", "수량"),
    "quote": ("quote", "인용문"),
    "resource": ("resource", "자원"),
    "role": ("role", "역할"),
    "role_label": ("role (name)", "역할 이름"),
    "roles": ("roles", "역할"),
    "sentence": ("sentence", "문장"),
    "source": ("source", "출처"),
    "start_date": ("start date", "시작일"),
    "stated_member_count": ("stated count", "기사상 참여 수"),
    "stated_member_count_as_of": ("stated count as of", "기사상 참여 수 기준 시점"),
    "status": ("status", "상태"),
    "status_label": ("status (name)", "상태 이름"),
    "subject": ("subject", "주어"),
    "subject_label": ("subject (name)", "주어 이름"),
    "title": ("title", "직함"),
    "type": ("type", "유형"),
    "types": ("types", "유형"),
    "unit": ("unit", "단위"),
    "unit_code": ("unit code", "단위 코드"),
    "value": ("value", "값"),
    "via": ("via", "경유"),
    "what": ("what", "대상"),
    "what_label": ("what (name)", "대상 이름"),
}
LANGUAGE_SUFFIXES: dict[str, tuple[str, str]] = {"ko": ("in Korean", "한국어"), "en": ("in English", "영어")}


def name_label(name: str, lang: str) -> str | None:
    """The column or parameter `name` (label_ko, founding_date) in words, or None when unknown.

    A parameter's own variable (`?_consortium_iri`, `?__lang`: see queries.parse_parameter_variable)
    is named after its parameter."""
    if name.startswith("_"):
        name = name.lstrip("_").partition("_")[0]
    base, _, suffix = name.rpartition("_")
    if base and suffix in LANGUAGE_SUFFIXES and base in NAMES:
        en, ko = NAMES[base]
        suffix_en, suffix_ko = LANGUAGE_SUFFIXES[suffix]
        return f"{ko}({suffix_ko})" if lang == "ko" else f"{en} ({suffix_en})"
    if name in NAMES:
        en, ko = NAMES[name]
        return ko if lang == "ko" else en
    return None


def type_label(name: str, lang: str) -> str:
    """A parameter type (iri, gYearMonth) in words; an unknown one as it is."""
    en, ko = PARAM_TYPES.get(name, (name, name))
    return ko if lang == "ko" else en
