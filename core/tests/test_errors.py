import builtins
import pickle
import subprocess
import sys

import pytest

from linguafranca import errors
from linguafranca.errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InternalServerError,
    LinguaFrancaError,
    NotFoundError,
    OutputParserException,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    ProviderNotFoundError,
    RateLimitError,
    RequestTooLargeError,
    StreamError,
    TimeoutError,
    UnprocessableEntityError,
    redact_secrets,
)

KEY = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"


@pytest.mark.parametrize(
    ("cls", "bases"),
    [
        (ProviderError, (LinguaFrancaError,)),
        (BadRequestError, (ProviderError,)),
        (AuthenticationError, (ProviderError,)),
        (PermissionDeniedError, (ProviderError,)),
        (NotFoundError, (ProviderError,)),
        (RequestTooLargeError, (ProviderError,)),
        (UnprocessableEntityError, (ProviderError,)),
        (RateLimitError, (ProviderError,)),
        (InternalServerError, (ProviderError,)),
        (OverloadedError, (InternalServerError,)),
        (APIConnectionError, (ProviderError,)),
        (TimeoutError, (APIConnectionError, builtins.TimeoutError)),
        (StreamError, (ProviderError,)),
        (ConfigurationError, (LinguaFrancaError, ValueError)),
        (ProviderNotFoundError, (ConfigurationError,)),
        (OutputParserException, (LinguaFrancaError, ValueError)),
    ],
)
def test_hierarchy(cls, bases):
    for base in bases:
        assert issubclass(cls, base)
    assert issubclass(cls, LinguaFrancaError)


def test_all_is_sorted_and_complete():
    assert errors.__all__ == sorted(errors.__all__)
    for name in errors.__all__:
        assert hasattr(errors, name)


def test_provider_error_attributes_and_one_line_str():
    err = AuthenticationError(
        "Incorrect API key provided.\nYou can find your key online.",
        status_code=401,
        provider="openai",
        body={"error": {"message": "x"}},
        request_id="req_123",
        headers={"content-type": "application/json"},
        code="invalid_api_key",
        error_type="invalid_request_error",
        hint="check the API key in $OPENAI_API_KEY",
    )
    assert err.status_code == 401
    assert err.provider == "openai"
    assert err.body == {"error": {"message": "x"}}
    assert err.request_id == "req_123"
    assert err.code == "invalid_api_key"
    assert err.error_type == "invalid_request_error"
    assert err.message.startswith("Incorrect API key provided.\n")
    text = str(err)
    assert "\n" not in text
    assert text == (
        "openai HTTP 401: Incorrect API key provided. You can find your key online. "
        "(invalid_request_error) [request id: req_123] -- check the API key in $OPENAI_API_KEY"
    )


def test_str_without_status_or_provider():
    assert str(StreamError("stream ended early")) == "stream ended early"
    assert str(ProviderError("", status_code=500)) == "HTTP 500: ProviderError"
    assert str(APIConnectionError("refused", provider="ollama")) == "ollama: refused"


def test_positional_message_and_subclass_fields():
    bad = BadRequestError("bad role", param="messages[0].role", code="unsupported_value")
    assert (bad.param, bad.code, bad.message) == (
        "messages[0].role",
        "unsupported_value",
        "bad role",
    )
    limited = RateLimitError("slow down", retry_after=2.5, status_code=429)
    assert limited.retry_after == 2.5
    assert RateLimitError("x").retry_after is None


def test_timeout_error_is_caught_as_builtin_timeout():
    with pytest.raises(builtins.TimeoutError):
        raise TimeoutError("timed out", provider="openai")
    with pytest.raises(APIConnectionError):
        raise TimeoutError("timed out")


def test_secrets_are_scrubbed_from_message_str_and_repr():
    err = AuthenticationError(
        f"Incorrect API key provided: {KEY}. Header was Bearer {KEY}",
        provider="openai",
        status_code=401,
        headers={"Authorization": f"Bearer {KEY}", "x-api-key": KEY, "retry-after": "1"},
    )
    for text in (str(err), repr(err), err.message, str(err.args), str(err.headers)):
        assert KEY not in text
        assert "abcdefghijklmnop" not in text
    assert err.headers["retry-after"] == "1"
    assert err.headers["Authorization"] == "***"


@pytest.mark.parametrize(
    "secret",
    [
        "sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AIzaSyA-1234567890abcdefghijklmnopqrstu",
        "gsk_abcdefghijklmnopqrstuvwxyz",
        "xai-abcdefghijklmnopqrstuvwxyz",
    ],
)
def test_redact_secrets_patterns(secret):
    text = f"the key {secret} was refused"
    assert secret not in redact_secrets(text)
    assert redact_secrets(text).startswith("the key ***")


def test_redact_secrets_query_and_bearer():
    out = redact_secrets(
        "GET /v1beta/models?key=abc123def456&alt=sse with Bearer tok_ABCDEFGH12345"
    )
    assert "abc123def456" not in out
    assert "tok_ABCDEFGH12345" not in out
    assert "alt=sse" in out
    assert redact_secrets("nothing secret here") == "nothing secret here"


def test_masked_key_from_provider_is_kept():
    # OpenAI masks keys itself ("invalid-*****2345"); nothing to redact, message intact.
    msg = "Incorrect API key provided: invalid-*****2345."
    assert AuthenticationError(msg).message == msg


@pytest.mark.parametrize(
    "err",
    [
        RateLimitError("slow", retry_after=3.0, status_code=429, provider="x", request_id="r"),
        BadRequestError("bad", param="temperature", status_code=400),
        TimeoutError("timed out", provider="openai", hint="raise the timeout"),
        StreamError("cut", provider="anthropic", body={"type": "error"}),
    ],
)
def test_provider_errors_pickle(err):
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is type(err)
    assert str(copy) == str(err)
    assert copy.__dict__ == err.__dict__


def test_output_parser_exception_matches_langchain():
    exc = OutputParserException(
        "Invalid json", observation="fix it", llm_output="{", send_to_llm=True
    )
    assert (exc.observation, exc.llm_output, exc.send_to_llm) == ("fix it", "{", True)
    assert "Invalid json" in str(exc)
    plain = OutputParserException(ValueError("boom"))
    assert (plain.observation, plain.llm_output, plain.send_to_llm) == (None, None, False)
    with pytest.raises(ValueError, match="observation"):
        OutputParserException("x", send_to_llm=True)
    with pytest.raises(ValueError):
        raise OutputParserException("caught as ValueError")


def test_output_parser_exception_declares_raw_message() -> None:
    # Declared on the class (typed for mypy), None until structured output sets it.
    exc = OutputParserException("bad")
    assert exc.raw_message is None
    answer = {"role": "assistant", "content": "not json"}
    exc.raw_message = answer
    assert exc.raw_message is answer
    assert OutputParserException("other").raw_message is None  # not shared between errors
    assert OutputParserException.__annotations__["raw_message"] == "object | None"


def test_configuration_errors_are_value_errors():
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        raise ConfigurationError("Set OPENAI_API_KEY or pass api_key=.")
    with pytest.raises(ConfigurationError):
        raise ProviderNotFoundError('pip install "linguafranca[openai]"')


def test_errors_module_imports_nothing_heavy():
    code = (
        "import sys; import linguafranca.errors; "
        "bad = [m for m in ('httpx', 'httpcore', 'pydantic', 'asyncio') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
