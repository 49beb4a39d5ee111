import pytest

from linguafranca.tools import normalize_tool_choice, tool_binding_kwargs

NAMES = ["get_weather", "get_time"]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (None, None),
        ("auto", "auto"),
        ("none", "none"),
        ("any", "required"),
        ("required", "required"),
        (True, "required"),
        ("get_weather", {"type": "function", "name": "get_weather"}),
        (
            {"type": "function", "function": {"name": "get_time"}},
            {"type": "function", "name": "get_time"},
        ),
        ({"type": "function", "name": "get_time"}, {"type": "function", "name": "get_time"}),
        ({"type": "tool", "name": "get_time"}, {"type": "function", "name": "get_time"}),
        ({"type": "any"}, "required"),
        ({"type": "auto"}, "auto"),
        ({"type": "none"}, "none"),
    ],
)
def test_normalize(choice, expected):
    assert normalize_tool_choice(choice, NAMES) == expected


def test_provider_specific_dicts_pass_through():
    choice = {"type": "any", "disable_parallel_tool_use": True}
    assert normalize_tool_choice(choice, NAMES) == choice
    allowed = {"type": "allowed_tools", "mode": "auto", "tools": []}
    assert normalize_tool_choice(allowed, NAMES) == allowed


def test_unknown_name_lists_valid_choices():
    with pytest.raises(ValueError) as info:
        normalize_tool_choice("get_wether", NAMES)
    message = str(info.value)
    assert "'get_wether'" in message
    assert "'auto'" in message and "'any'" in message and "get_weather" in message


def test_invalid_values():
    with pytest.raises(ValueError, match="Invalid tool_choice False"):
        normalize_tool_choice(False, NAMES)
    with pytest.raises(ValueError, match="Invalid tool_choice 3"):
        normalize_tool_choice(3, NAMES)
    with pytest.raises(ValueError, match="no tools are bound"):
        normalize_tool_choice("any", [])
    with pytest.raises(ValueError, match="not bound"):
        normalize_tool_choice({"type": "tool", "name": "x"}, NAMES)


def get_weather(location: str) -> str:
    """Get the weather."""
    return location


def test_tool_binding_kwargs():
    bound = tool_binding_kwargs(
        [get_weather, {"type": "web_search"}],
        tool_choice="get_weather",
        parallel_tool_calls=False,
        temperature=None,
        top_p=0.5,
    )
    assert bound["tools"][0]["function"]["name"] == "get_weather"
    assert bound["tools"][1] == {"type": "web_search"}
    assert bound["tool_choice"] == {"type": "function", "name": "get_weather"}
    assert bound["parallel_tool_calls"] is False
    assert bound["top_p"] == 0.5
    assert "temperature" not in bound


def test_tool_binding_kwargs_defaults_leave_keys_out():
    assert set(tool_binding_kwargs([get_weather])) == {"tools"}
    with pytest.raises(TypeError, match="parallel_tool_calls"):
        tool_binding_kwargs([get_weather], parallel_tool_calls="no")  # type: ignore[arg-type]
