"""The fast form-body reader behind the editor's live check agrees with the standard library.

Issue 6 (live check speed, ADR 0020) and # COUNTING: the text the check counts must be
exactly the text typed, so any difference from the standard library's decoding would
change 字数 and 字符数.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote_to_bytes, urlencode

import pytest
from flask import Flask, request
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from shuzhi.web.formbody import parse_urlencoded, preload

# Text as reports are: Chinese, ASCII, digits, punctuation, spaces, newlines, emoji, and the
# characters the form encoding itself uses (& = + %).
report_text = st.text(
    # no lone surrogates: a browser cannot send one (it has no UTF-8 form)
    alphabet=st.sampled_from("党建工作述职报告，。、（）“”一二三123 abc\n\t&=+%;#😀\u3000")
    | st.characters(blacklist_categories=("Cs",)),
    max_size=200,
)


def _fields(form: MultiDict[str, str]) -> list[tuple[str, list[str]]]:
    return sorted(form.lists())


@given(st.lists(st.tuples(report_text, report_text), max_size=8))
@settings(max_examples=300, deadline=None)
def test_same_fields_as_parse_qsl_for_what_browsers_send(fields: list[tuple[str, str]]) -> None:
    body = urlencode(fields)
    expected = MultiDict(parse_qsl(body, keep_blank_values=True))
    assert _fields(parse_urlencoded(body.encode("ascii"))) == _fields(expected)


def _by_definition(body: bytes) -> MultiDict[str, str]:
    """The standard library's own decoding, field by field, of raw bytes."""
    out: MultiDict[str, str] = MultiDict()
    for pair in body.split(b"&"):
        if pair:
            name, _, value = pair.partition(b"=")
            out.add(
                *(unquote_to_bytes(x.replace(b"+", b" ")).decode("utf-8", "replace") for x in (name, value))
            )
    return out


@given(
    st.binary(max_size=300)
    | st.lists(
        st.sampled_from([b"%", b"%e5", b"%E5%85", b"%zz", b"+", b"&", b"=", b"\xe5\x85\x9a", b"a"])
    ).map(b"".join)
)
@settings(max_examples=300, deadline=None)
def test_same_fields_as_the_standard_library_for_any_bytes(body: bytes) -> None:
    # A hand-made or broken body: stray %, half escapes, invalid UTF-8 (replaced, never an error).
    assert _fields(parse_urlencoded(body)) == _fields(_by_definition(body))


def test_a_report_with_every_escape_kind() -> None:
    text = "一、主要做法\n全年开展“三会一课”12次，占比 35%；A&B=C+D"
    body = f"csrf_token=x&text={quote(text)}&part-3=problems&empty=".encode()
    form = parse_urlencoded(body)
    assert form["text"] == text
    assert form["part-3"] == "problems"
    assert form["empty"] == ""
    assert parse_urlencoded(b"text=a+b%2Bc")["text"] == "a b+c"


def test_too_many_fields_is_413_as_werkzeug_does() -> None:
    with pytest.raises(RequestEntityTooLarge):
        parse_urlencoded(b"&".join(b"a=1" for _ in range(1001)))


def test_preload_installs_the_form_for_everything_after() -> None:
    app = Flask("t")
    text = "存在的问题及原因分析" * 50
    with app.test_request_context(
        "/", method="POST", data={"text": text, "n": "1"}, content_type="application/x-www-form-urlencoded"
    ):
        preload(request)
        assert "form" in request.__dict__  # werkzeug will not parse the body again
        assert request.form["text"] == text and request.form["n"] == "1"
        assert not request.files
    with app.test_request_context("/", method="POST", data={"f": "1"}, content_type="multipart/form-data"):
        preload(request)  # not ours: werkzeug parses it as usual
        assert "form" not in request.__dict__
        assert request.form["f"] == "1"
