"""The suites' helpers: media files, request-body readers, socket counters."""

import base64
import io
import socket
import struct
import wave
import zlib

import pytest

from linguafranca_tests._media import b64, pdf_bytes, png_bytes, wav_bytes
from linguafranca_tests._sockets import connections_to, open_sockets, proc_available
from linguafranca_tests._target import EMULATOR_CLASSES, Target, emulator_class
from linguafranca_tests._wire import MediaPart, body_text, find_media
from linguafranca_tests.emulators import OpenAIEmulator

PNG = png_bytes()
DATA = b64(PNG)


def test_png_is_a_valid_image() -> None:
    assert PNG.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", PNG[16:24])
    assert (width, height) == (32, 32)
    length = struct.unpack(">I", PNG[33:37])[0]
    raw = zlib.decompress(PNG[41 : 41 + length])
    assert len(raw) == 32 * (1 + 32 * 3)


def test_pdf_has_a_correct_cross_reference_table() -> None:
    pdf = pdf_bytes()
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert pdf[xref:].startswith(b"xref")
    offsets = [int(line[:10]) for line in pdf[xref:].split(b"\n")[3:8]]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(b"%d 0 obj" % number)


def test_wav_is_readable() -> None:
    with wave.open(io.BytesIO(wav_bytes())) as clip:
        assert clip.getnchannels() == 1 and clip.getframerate() == 8000
        assert clip.getnframes() == 4000


def test_openai_chat_parts() -> None:
    body = {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "hi"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{DATA}"}},
                    {"type": "input_audio", "input_audio": {"data": DATA, "format": "wav"}},
                    {"type": "file", "file": {"file_data": "data:application/pdf;base64,QQ=="}},
                ],
            },
            {
                "role": "tool",
                "tool_call_id": "c",
                "content": [
                    {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                ],
            },
        ]
    }
    parts = find_media("openai", body)
    assert [p.kind for p in parts] == ["image", "audio", "pdf", "image"]
    assert parts[0].decoded() == PNG and parts[0].mime_type == "image/png"
    assert parts[1].mime_type == "audio/wav"
    assert parts[2].decoded() == b"A"
    assert parts[3].url == "https://x/y.png" and parts[3].in_tool_result


def test_openai_responses_parts() -> None:
    body = {
        "input": [
            {
                "role": "user",
                "content": [
                    {"type": "input_image", "image_url": f"data:image/png;base64,{DATA}"},
                    {"type": "input_file", "filename": "a.pdf", "file_data": "QQ=="},
                ],
            },
            {
                "type": "function_call_output",
                "call_id": "c",
                "output": [
                    {"type": "input_image", "image_url": f"data:image/png;base64,{DATA}"},
                ],
            },
        ]
    }
    parts = find_media("openai-responses", body)
    assert [(p.kind, p.in_tool_result) for p in parts] == [
        ("image", False),
        ("pdf", False),
        ("image", True),
    ]
    assert parts[1].decoded() == b"A"


def test_anthropic_parts() -> None:
    body = {
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": DATA},
                    },
                    {
                        "type": "document",
                        "source": {
                            "type": "base64",
                            "media_type": "application/pdf",
                            "data": "QQ==",
                        },
                    },
                    {
                        "type": "tool_result",
                        "tool_use_id": "t",
                        "content": [
                            {"type": "image", "source": {"type": "url", "url": "https://x/y.png"}},
                        ],
                    },
                ],
            },
        ]
    }
    parts = find_media("anthropic", body)
    assert [(p.kind, p.in_tool_result) for p in parts] == [
        ("image", False),
        ("pdf", False),
        ("image", True),
    ]
    assert parts[0].decoded() == PNG


def test_ollama_and_gemini_parts() -> None:
    ollama = {
        "messages": [
            {"role": "user", "content": "x", "images": [DATA]},
            {"role": "tool", "content": "r", "images": [DATA]},
        ]
    }
    parts = find_media("ollama", ollama)
    assert [(p.kind, p.in_tool_result) for p in parts] == [("image", False), ("image", True)]
    gemini = {
        "contents": [
            {
                "role": "user",
                "parts": [
                    {"inlineData": {"mimeType": "application/pdf", "data": "QQ=="}},
                    {"inline_data": {"mime_type": "audio/wav", "data": DATA}},
                    {"fileData": {"mimeType": "image/png", "fileUri": "gs://b/x.png"}},
                ],
            }
        ]
    }
    parts = find_media("gemini", gemini)
    assert [p.kind for p in parts] == ["pdf", "audio", "image"]
    assert parts[2].url == "gs://b/x.png"


def test_readers_keep_to_their_own_format() -> None:
    anthropic_block = {"type": "image", "source": {"type": "base64", "data": DATA}}
    assert find_media("openai", {"messages": [{"content": [anthropic_block]}]}) == []
    with pytest.raises(ValueError, match="no media reader"):
        find_media("bedrock", {})


def test_bad_base64_decodes_to_none() -> None:
    assert MediaPart("image", data="not base64!").decoded() is None
    assert MediaPart("image", url="https://x").decoded() is None
    assert base64.b64decode(DATA) == PNG


def test_body_text_keeps_unicode() -> None:
    assert "こんにちは" in body_text({"a": "こんにちは"})


def test_emulator_names() -> None:
    assert emulator_class("openai-responses", "TestX") is OpenAIEmulator
    assert set(EMULATOR_CLASSES) == {"openai", "openai-responses", "anthropic", "ollama", "gemini"}
    with pytest.raises(ValueError, match=r"TestX.emulator = 'azure' is not an emulator"):
        emulator_class("azure", "TestX")


def test_target_modes() -> None:
    assert Target("emulator").deterministic and Target("direct").deterministic
    assert not Target("live").deterministic
    assert Target("direct").requests == []


@pytest.mark.skipif(not proc_available(), reason="needs Linux /proc")
def test_socket_counters_see_a_new_connection() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    before = open_sockets()
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    try:
        assert open_sockets() == before + 2
        assert connections_to(port) == 2  # both ends
    finally:
        client.close()
        accepted.close()
        server.close()
    assert connections_to(port) == 0
