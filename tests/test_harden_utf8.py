"""Strict UTF-8 decoding helpers: broken input is a 400 naming the byte, never U+FFFD or a 500."""

from __future__ import annotations

import pytest

from server.errors import BadRequest
from server.limits import decode_utf8, parse_form


def test_decode_utf8_returns_text() -> None:
    assert decode_utf8("원팀 SELECT".encode(), "the query") == "원팀 SELECT"


def test_decode_utf8_broken_byte_is_bad_request_with_offset() -> None:
    with pytest.raises(BadRequest) as caught:
        decode_utf8(b"SELECT \xff", "the query")
    assert caught.value.status == 400
    assert caught.value.message == "The query is not valid UTF-8: byte 0xff at offset 7"
    assert caught.value.extra == {"offset": 7}


def test_decode_utf8_truncated_multibyte_sequence_is_bad_request() -> None:
    data = "원".encode()[:2]
    with pytest.raises(BadRequest, match="offset 0"):
        decode_utf8(data, "the body")


def test_decode_utf8_refuses_encoded_surrogates() -> None:
    with pytest.raises(BadRequest):
        decode_utf8(b"\xed\xa0\x80", "the body")


def test_parse_form_decodes_percent_escapes_and_plus() -> None:
    body = "query=SELECT+*+WHERE+%7B+%3Fs+%3Fp+%22%EC%9B%90%ED%8C%80%22+%7D&default-graph-uri=urn%3Ax".encode()
    assert parse_form(body) == [("query", 'SELECT * WHERE { ?s ?p "원팀" }'), ("default-graph-uri", "urn:x")]


def test_parse_form_keeps_blank_values_and_skips_empty_fields() -> None:
    assert parse_form(b"query=&&x") == [("query", ""), ("x", "")]


def test_parse_form_percent_encoded_broken_utf8_is_bad_request() -> None:
    with pytest.raises(BadRequest) as caught:
        parse_form(b"query=ASK%7B%7D%FF", "the form body")
    assert caught.value.message == "Parameter 'query' in the form body is not valid UTF-8: byte 0xff at offset 5"


def test_parse_form_raw_broken_utf8_is_bad_request() -> None:
    with pytest.raises(BadRequest):
        parse_form(b"query=\xc3\x28")


def test_parse_form_accepts_already_decoded_text() -> None:
    assert parse_form("query=%EC%9B%90+팀") == [("query", "원 팀")]
