import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linguafranca.http import NDJSONDecoder, ServerSentEvent, SSEDecoder

WIRE = Path("/work/shared/wire")


def _records(kind):
    out = []
    for path in sorted(WIRE.glob("*/*.json")):
        record = json.loads(path.read_text())
        if not isinstance(record, dict):
            continue  # index / source listings, not interactions
        response = record.get("response", {})
        if kind in response and "raw_body" in response:
            out.append(pytest.param(response, id=f"{path.parent.name}/{path.stem}"))
    return out


SSE_RECORDS = _records("sse")
NDJSON_RECORDS = _records("ndjson")


def chunkings(data: bytes, seed: int):
    """The body whole, byte by byte, and cut at random places (like a network would)."""
    yield [data]
    yield [data[i : i + 1] for i in range(len(data))]
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, 40)))
    yield [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def decode_sse(chunks):
    decoder = SSEDecoder()
    events = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.close())
    return events


def test_every_provider_stream_is_covered():
    providers = {p.id.split("/")[0] for p in SSE_RECORDS}
    assert {
        "openai",
        "anthropic",
        "gemini",
        "groq",
        "mistral",
        "ollama",
        "openai_compatible",
    } <= providers
    assert len(SSE_RECORDS) >= 30
    assert len(NDJSON_RECORDS) >= 6


@pytest.mark.parametrize("response", SSE_RECORDS)
def test_recorded_sse_streams(response):
    raw = response["raw_body"].encode("utf-8")
    for i, chunks in enumerate(chunkings(raw, seed=len(raw))):
        events = decode_sse(chunks)
        assert [e.data for e in events] == response["sse"], f"chunking {i}"
        if "sse_event_types" in response:
            # None in a record: no event line, i.e. the default type "message"
            expected = [t or "message" for t in response["sse_event_types"]]
            assert [e.event for e in events] == expected
        else:
            assert {e.event for e in events} == {"message"}


@pytest.mark.parametrize("response", NDJSON_RECORDS)
def test_recorded_ndjson_streams(response):
    raw = response["raw_body"].encode("utf-8")
    expected = [json.loads(line) for line in response["ndjson"]]
    for chunks in chunkings(raw, seed=len(raw)):
        decoder = NDJSONDecoder()
        values = []
        for chunk in chunks:
            values.extend(decoder.feed(chunk))
        values.extend(decoder.close())
        assert values == expected


def test_openrouter_comments_are_skipped():
    response = json.loads((WIRE / "openai_compatible/openrouter_stream.json").read_text())[
        "response"
    ]
    assert ": OPENROUTER PROCESSING" in response["raw_body"]
    events = decode_sse([response["raw_body"].encode()])
    assert all("OPENROUTER" not in e.data for e in events)
    assert events[-1].data == "[DONE]"


def test_multiline_data_event_id_retry():
    body = b"event: update\nid: 7\nretry: 1500\ndata: line one\ndata:line two\ndata\n\n"
    (event,) = decode_sse([body])
    assert event == ServerSentEvent("update", "line one\nline two\n", "7", 1500)


def test_line_endings_crlf_cr_lf_mixed():
    body = b"data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\n"
    assert [e.data for e in decode_sse([body])] == ["a", "b", "c", "d"]
    # a CRLF split across two chunks is one line break, not two
    assert [e.data for e in decode_sse([b"data: x\r", b"\ndata: y\r\n\r\n"])] == ["x\ny"]


def test_event_without_data_is_not_dispatched_and_state_resets():
    body = b"event: ping\n\ndata: after\n\n"
    (event,) = decode_sse([body])
    assert event == ServerSentEvent("message", "after")


def test_id_persists_and_null_id_ignored():
    events = decode_sse([b"id: 1\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\n"])
    assert [(e.id, e.data) for e in events] == [("1", "a"), ("1", "b"), ("1", "c")]


def test_unknown_fields_bad_retry_and_bom():
    events = decode_sse([b"\xef\xbb\xbfdata: a\nfoo: bar\nretry: soon\n\n"])
    assert events == [ServerSentEvent("message", "a")]


def test_utf8_split_inside_a_character():
    text = "data: héllo wörld 😀\n\n".encode()
    chunks = [text[:9], text[9:10], text[10:20], text[20:]]
    assert [e.data for e in decode_sse(chunks)] == ["héllo wörld 😀"]


def test_last_event_without_blank_line_is_not_lost():
    assert [e.data for e in decode_sse([b"data: a\n\ndata: last"])] == ["a", "last"]
    assert [e.data for e in decode_sse([b"data: a\n\ndata: last\n"])] == ["a", "last"]
    assert [e.data for e in decode_sse([b"data: a\n\n: comment"])] == ["a"]


def test_event_json():
    assert ServerSentEvent(data='{"a": [1, 2]}').json() == {"a": [1, 2]}
    with pytest.raises(ValueError):
        ServerSentEvent(data="[DONE]").json()


def test_huge_line_in_many_chunks():
    payload = "x" * 200_000
    body = f"data: {payload}\n\n".encode()
    chunks = [body[i : i + 1000] for i in range(0, len(body), 1000)]
    assert decode_sse(chunks)[0].data == payload


def test_ndjson_blank_lines_and_unterminated_last_line():
    decoder = NDJSONDecoder()
    out = decoder.feed(b'{"a": 1}\n\n  \n{"b"') + decoder.feed(b': 2}\r\n{"c": 3}')
    out += decoder.close()
    assert out == [{"a": 1}, {"b": 2}, {"c": 3}]


def test_ndjson_invalid_line_raises():
    with pytest.raises(ValueError):
        NDJSONDecoder().feed(b"not json\n")


_field_text = st.text(
    alphabet=st.characters(blacklist_characters="\r\n\0", blacklist_categories=["Cs"]), max_size=30
)


@settings(max_examples=200, deadline=None)
@given(
    events=st.lists(
        st.tuples(
            st.sampled_from(["", "message_start", "delta"]),
            st.lists(_field_text, min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=8,
    ),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    comment=st.booleans(),
    data=st.data(),
)
def test_roundtrip_any_chunking(events, newline, comment, data):
    parts = []
    for name, lines in events:
        if comment:
            parts.append(f": keep-alive{newline}")
        if name:
            parts.append(f"event: {name}{newline}")
        parts.extend(f"data: {line}{newline}" for line in lines)
        parts.append(newline)
    body = "".join(parts).encode()
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(body) - 1)), max_size=10)))
    chunks = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    decoded = decode_sse(chunks)
    assert [(e.event, e.data) for e in decoded] == [
        (name or "message", "\n".join(lines)) for name, lines in events
    ]
