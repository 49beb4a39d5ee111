"""The plugin's mechanics, proved on throwaway projects run by ``pytester``."""

import pytest

# Imported here, before any pytester run: in-process runs restore sys.modules afterwards,
# and modules first imported inside a run would come back as new copies (new classes).
import linguafranca.chat_models.fake  # noqa: F401
import linguafranca_tests.integration_tests  # noqa: F401
import linguafranca_tests.unit_tests  # noqa: F401

pytest_plugins = ["pytester"]

HEADER = """
import pytest
from linguafranca.chat_models.fake import ScriptedFakeChatModel
from linguafranca.messages import AIMessage
from linguafranca.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from linguafranca_tests import Capabilities
from linguafranca_tests.integration_tests import ChatModelIntegrationTests
from linguafranca_tests.unit_tests import ChatModelUnitTests

TOOLS = Capabilities(tool_calling=True, tool_choice=True)
"""

BROKEN_MODELS = """
class NoUsage(ScriptedFakeChatModel):
    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        result = super()._generate(messages, stop, run_manager, **kwargs)
        message = result.generations[0].message.model_copy(update={"usage_metadata": None})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        for chunk in super()._stream(messages, stop, run_manager, **kwargs):
            message = chunk.message.model_copy(update={"usage_metadata": None})
            yield ChatGenerationChunk(message=message)

    async def _astream(self, messages, stop=None, run_manager=None, **kwargs):
        for chunk in self._stream(messages, stop, run_manager, **kwargs):
            yield chunk


class DropsToolCalls(ScriptedFakeChatModel):
    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        result = super()._generate(messages, stop, run_manager, **kwargs)
        message = AIMessage(content="I would rather not.", response_metadata={"model_name": "x"})
        return ChatResult(generations=[ChatGeneration(message=message)])
"""


def write(pytester: pytest.Pytester, body: str) -> None:
    pytester.makepyfile(test_suite=HEADER + body)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:asyncio", "-rsxX", *args)


def test_capability_off_is_skipped_with_the_uniform_message(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        """
class TestNoTools(ChatModelUnitTests):
    chat_model_class = ScriptedFakeChatModel
    capabilities = Capabilities()
""",
    )
    result = run(pytester, "-k", "test_bind_tools and not matches")
    result.assert_outcomes(skipped=6)
    result.stdout.fnmatch_lines(
        ["*linguafranca: TestNoTools does not declare capability 'tool_calling'*"]
    )


def test_undeclared_but_working_tool_calling_fails(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        """
class TestNoTools(ChatModelUnitTests):
    chat_model_class = ScriptedFakeChatModel
""",
    )
    result = run(pytester, "-k", "test_bind_tools_matches_capability")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*bind_tools works but the capability 'tool_calling'*"])


@pytest.mark.parametrize("decorator", ["", "@pytest.mark.xfail", '@pytest.mark.xfail(reason="")'])
def test_override_without_xfail_reason_fails_collection(
    pytester: pytest.Pytester, decorator: str
) -> None:
    write(
        pytester,
        f"""
class TestOverride(ChatModelUnitTests):
    chat_model_class = ScriptedFakeChatModel

    {decorator}
    def test_init(self, model):
        pass
""",
    )
    result = run(pytester)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        ["*TestOverride overrides the standard test 'test_init' without @pytest.mark.xfail*"]
    )


def test_override_with_xfail_reason_is_allowed(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        """
class TestOverride(ChatModelUnitTests):
    chat_model_class = ScriptedFakeChatModel

    @pytest.mark.xfail(reason="known: the service rejects this")
    def test_init(self, model):
        raise AssertionError("fails as documented")
""",
    )
    result = run(pytester, "test_suite.py::TestOverride::test_init")
    result.assert_outcomes(xfailed=1)
    result.stdout.fnmatch_lines(["*known: the service rejects this*"])


LIVE_SUITE = """
class TestLive(ChatModelIntegrationTests):
    chat_model_class = ScriptedFakeChatModel
    emulator = "openai"
    live_env = ("LF_PYTESTER_KEY",)
"""


def test_live_without_its_key_skips_with_a_reason(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LF_PYTESTER_KEY", raising=False)
    write(pytester, LIVE_SUITE)
    result = run(pytester, "--live", "-k", "test_invoke or test_timeout")
    result.assert_outcomes(skipped=4)
    result.stdout.fnmatch_lines(
        ["*linguafranca: TestLive needs the environment variable(s) LF_PYTESTER_KEY*--live*"]
    )


def test_live_with_its_key_runs_and_skips_emulator_tests(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LF_PYTESTER_KEY", "set")
    write(pytester, LIVE_SUITE)
    result = run(pytester, "--live", "-k", "test_invoke or test_timeout")
    result.assert_outcomes(passed=3, skipped=1)
    result.stdout.fnmatch_lines(["*needs the wire emulator*does not run with --live*"])


def test_models_without_an_emulator_skip_wire_tests_uniformly(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        """
class TestDirect(ChatModelIntegrationTests):
    chat_model_class = ScriptedFakeChatModel
""",
    )
    result = run(pytester, "-k", "test_timeout or test_rate_limit_retried or test_invoke")
    result.assert_outcomes(passed=3, skipped=2)
    result.stdout.fnmatch_lines(
        ["*linguafranca: TestDirect has no emulator (emulator = None); this test needs the wire*"]
    )


def test_an_unknown_emulator_name_is_a_clear_error(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        """
class TestTypo(ChatModelIntegrationTests):
    chat_model_class = ScriptedFakeChatModel
    emulator = "open-ai"
""",
    )
    result = run(pytester, "test_suite.py::TestTypo::test_invoke")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*TestTypo.emulator = 'open-ai' is not an emulator*"])


def test_a_model_without_usage_fails_the_usage_tests(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        BROKEN_MODELS
        + """
class TestNoUsage(ChatModelIntegrationTests):
    chat_model_class = NoUsage
""",
    )
    result = run(pytester, "-k", "test_usage_metadata")
    result.assert_outcomes(failed=3)
    # Assertion rewriting is on for the suite: the compared values are shown.
    result.stdout.fnmatch_lines(["*usage_metadata is None*", "*assert None is not None*"])


def test_a_model_that_drops_tool_calls_fails_the_tool_tests(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        BROKEN_MODELS
        + """
class TestDrops(ChatModelIntegrationTests):
    chat_model_class = DropsToolCalls
    capabilities = TOOLS
""",
    )
    result = run(pytester, "-k", "test_tool_calling or test_agent_loop")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 3, outcomes
    result.stdout.fnmatch_lines(["*expected one tool call, got []*"])


def test_async_tests_need_no_asyncio_configuration(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        """
class TestAsync(ChatModelIntegrationTests):
    chat_model_class = ScriptedFakeChatModel
""",
    )
    result = run(pytester, "-p", "no:asyncio", "-k", "test_ainvoke or test_astream or abatch")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 5 and "failed" not in outcomes, outcomes


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        """
class TestMarkers(ChatModelUnitTests):
    chat_model_class = ScriptedFakeChatModel
    capabilities = TOOLS
""",
    )
    result = run(pytester, "--strict-markers", "-m", "linguafranca_capability")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    listed = run(pytester, "--markers")
    listed.stdout.fnmatch_lines(
        ["*linguafranca_capability(*names)*", "*linguafranca_emulator*", "*linguafranca_live*"]
    )
    help_text = run(pytester, "--help")
    help_text.stdout.fnmatch_lines(["*--live*"])


def test_integration_tests_carry_the_live_marker(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        """
class TestMarked(ChatModelIntegrationTests):
    chat_model_class = ScriptedFakeChatModel
""",
    )
    selection = (
        "-m",
        "linguafranca_live and not linguafranca_emulator",
        "-k",
        "test_invoke or test_ainvoke",
    )
    result = run(pytester, *selection)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 2 and "skipped" not in outcomes, outcomes
