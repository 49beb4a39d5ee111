"""Runnable introspection: InputType / OutputType, input and output schemas, config_specs."""

import copy
import enum
import operator
import pickle
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from linguafranca.chat_models.fake import FakeListChatModel
from linguafranca.messages import AIMessage, LanguageModelInput
from linguafranca.output_parsers import PydanticOutputParser, StrOutputParser
from linguafranca.runnables import (
    ConfigurableField,
    Runnable,
    RunnableBranch,
    RunnableConfig,
    RunnableGenerator,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    RunnableSerializable,
    _schema,
    _schema_models,
    _schema_types,
)
from linguafranca.runnables._pick import RunnablePick
from linguafranca.runnables._schema import ConfigurableFieldSpec, unique_config_specs

# --- functions and runnables used below (module level: their source is read) ------------


def to_text(x: int) -> str:
    return str(x)


async def ato_text(x: int) -> str:
    return str(x)


def spell(x: int) -> Iterator[str]:
    yield from str(x)


async def aspell(x: int) -> AsyncIterator[str]:
    for char in str(x):
        yield char


def stream_text(chunks: Iterator[int]) -> Iterator[str]:
    for chunk in chunks:
        yield str(chunk)


def join_fields(d):
    return f"{d['first']} {d.get('last', '')}"


class Point(TypedDict):
    x: int
    y: float


class City(BaseModel):
    name: str
    population: int = 0


def from_point(p: Point) -> dict[str, Any]:
    return dict(p)


def from_city(c: City) -> City:
    return c


class Greeter(RunnableSerializable[str, str]):
    greeting: str = Field(default="Hello", description="The greeting word")
    punct: str = "!"

    def invoke(self, input, config=None, **kwargs):
        return f"{self.greeting}, {input}{self.punct}"


configurable_greeter = Greeter().configurable_fields(
    greeting=ConfigurableField(id="greeting", name="Greeting"),
    punct=ConfigurableField(id="punct", description="Punctuation"),
)


def greet_through(name):
    return configurable_greeter.invoke(name)


# --- InputType / OutputType ----------------------------------------------------------


def test_lambda_types_come_from_annotations():
    typed = RunnableLambda(to_text)
    assert (typed.InputType, typed.OutputType) == (int, str)
    untyped = RunnableLambda(lambda x: x)
    assert untyped.InputType is Any and untyped.OutputType is Any


def test_async_and_generator_functions_give_their_value_types():
    assert (RunnableLambda(ato_text).InputType, RunnableLambda(ato_text).OutputType) == (int, str)
    # A generator's chunks add up to the output: Iterator[str] gives str.
    assert RunnableLambda(spell).OutputType is str
    assert RunnableLambda(aspell).OutputType is str
    assert (
        RunnableGenerator(stream_text).InputType,
        RunnableGenerator(stream_text).OutputType,
    ) == (
        int,
        str,
    )


def test_string_annotations_are_resolved():
    namespace: dict[str, Any] = {}
    exec(  # the annotations stay strings, as under ``from __future__ import annotations``
        "from __future__ import annotations\ndef f(x: int) -> list[str]:\n    return [str(x)]\n",
        namespace,
    )
    runnable = RunnableLambda(namespace["f"])
    assert (runnable.InputType, runnable.OutputType) == (int, list[str])


def test_compositions_take_their_steps_types():
    seq = RunnableLambda(to_text) | RunnableLambda(len)
    assert seq.InputType is int and seq.OutputType is Any
    assert (RunnableLambda(to_text) | RunnableLambda(spell)).OutputType is str
    parallel = RunnableParallel(a=RunnableLambda(to_text), b=RunnableLambda(spell))
    assert parallel.InputType is int and parallel.OutputType == dict[str, Any]
    base = RunnableLambda(to_text)
    for wrapped in (
        base.bind(x=1),
        base.with_config(tags=["t"]),
        base.with_retry(),
        base.with_fallbacks([RunnableLambda(ato_text)]),
        base.with_listeners(on_end=lambda run: None),
    ):
        assert (wrapped.InputType, wrapped.OutputType) == (int, str), wrapped
    assert (base.map().InputType, base.map().OutputType) == (list[int], list[str])


def test_with_types_overrides_the_bound_types_and_schemas():
    typed = RunnableLambda(to_text).with_types(input_type=float)
    assert (typed.InputType, typed.OutputType) == (float, str)
    assert typed.get_input_jsonschema() == {"title": "to_text_input", "type": "number"}
    assert typed.get_output_jsonschema() == {"title": "to_text_output", "type": "string"}
    assert typed.bind(x=1).InputType is float


class Declared(Runnable[int, str]):
    def invoke(self, input, config=None, **kwargs):
        return str(input)


class DeclaredChild(Declared):
    pass


class Undeclared(Runnable):
    def invoke(self, input, config=None, **kwargs):
        return input


class Counter(RunnableSerializable[str, int]):
    def invoke(self, input, config=None, **kwargs):
        return len(input)


def test_class_types_come_from_the_generic_parameters():
    assert (Declared().InputType, Declared().OutputType) == (int, str)
    assert (DeclaredChild().InputType, DeclaredChild().OutputType) == (int, str)
    assert (Undeclared().InputType, Undeclared().OutputType) == (Any, Any)
    assert (Counter().InputType, Counter().OutputType) == (str, int)
    assert Counter().get_output_jsonschema() == {"title": "CounterOutput", "type": "integer"}


def test_chat_model_and_parser_types():
    model = FakeListChatModel(responses=["hi"])
    assert model.InputType == LanguageModelInput
    assert model.OutputType is AIMessage
    assert model.get_output_schema() is AIMessage
    schema = model.get_input_jsonschema()
    assert schema["title"] == "FakeListChatModelInput"
    assert {"type": "string"} in schema["anyOf"]
    assert StrOutputParser().OutputType is str
    assert StrOutputParser().get_output_jsonschema() == {
        "title": "StrOutputParserOutput",
        "type": "string",
    }
    chain = model | StrOutputParser()
    assert chain.InputType == LanguageModelInput and chain.OutputType is str
    parser = PydanticOutputParser(pydantic_object=City)
    assert parser.OutputType is City and parser.get_output_schema() is City


# --- schemas -------------------------------------------------------------------------


def test_lambda_schemas_are_named_after_the_function():
    runnable = RunnableLambda(to_text)
    assert runnable.get_input_jsonschema() == {"title": "to_text_input", "type": "integer"}
    assert runnable.get_output_jsonschema() == {"title": "to_text_output", "type": "string"}
    assert runnable.input_schema is runnable.get_input_schema()  # cached by name and type
    assert runnable.input_schema.model_validate(3).model_dump_json() == "3"
    assert RunnableLambda(lambda x: x).get_input_jsonschema() == {"title": "RunnableLambdaInput"}


def test_dict_keys_read_by_a_function_become_fields():
    schema = RunnableLambda(join_fields).get_input_jsonschema()
    assert schema["title"] == "join_fields_input" and schema["type"] == "object"
    assert sorted(schema["properties"]) == ["first", "last"]
    # Lambdas are found by position, even several on one line.
    both = RunnableParallel(a=lambda d: d["k1"], b=lambda e: e["k2"] + e.get("k3"))
    assert sorted(both.get_input_jsonschema()["properties"]) == ["k1", "k2", "k3"]
    assert RunnableLambda(lambda d: d["only"]).get_input_jsonschema()["required"] == ["only"]


class Formatter:
    def render(self, values):
        return values["title"]


def test_dict_keys_of_a_bound_method_skip_self():
    schema = RunnableLambda(Formatter().render).get_input_jsonschema()
    assert schema["required"] == ["title"] and schema["title"] == "render_input"


def test_itemgetter_input_is_a_dict_of_its_keys():
    schema = RunnableLambda(operator.itemgetter("a", "b")).get_input_jsonschema()
    assert schema["required"] == ["a", "b"]
    indexed = RunnableLambda(operator.itemgetter(0)).get_input_jsonschema()
    assert indexed["type"] == "array"


def test_typed_dict_and_model_inputs():
    point = RunnableLambda(from_point).get_input_jsonschema()
    assert point["title"] == "from_point_input"
    assert point["properties"] == {
        "x": {"title": "X", "type": "integer"},
        "y": {"title": "Y", "type": "number"},
    }
    assert RunnableLambda(from_city).get_input_schema() is City
    assert RunnableLambda(from_city).get_output_schema() is City


def test_reserved_and_private_key_names_keep_their_names():
    schema = RunnableLambda(lambda d: d["schema"] + d["_secret"]).get_input_jsonschema()
    assert sorted(schema["properties"]) == ["_secret", "schema"]


def test_parallel_output_has_one_field_per_key():
    parallel = RunnableParallel(a=RunnableLambda(to_text), b=RunnableLambda(lambda x: x))
    schema = parallel.get_output_jsonschema()
    assert schema == {
        "properties": {"a": {"title": "A", "type": "string"}, "b": {"title": "B"}},
        "required": ["a", "b"],
        "title": "RunnableParallel<a,b>Output",
        "type": "object",
    }
    # A typed step decides the input.
    assert parallel.get_input_jsonschema() == {
        "title": "RunnableParallel<a,b>Input",
        "type": "integer",
    }
    untyped = RunnableParallel(a=lambda x: x)
    assert untyped.get_input_jsonschema() == {"title": "RunnableParallel<a>Input"}


def test_sequence_schemas_follow_assign_and_pick():
    chain = RunnableLambda(to_text) | RunnableLambda(spell)
    assert chain.get_input_jsonschema()["title"] == "to_text_input"
    assert chain.get_output_jsonschema() == {"title": "spell_output", "type": "string"}
    assigned = RunnablePassthrough.assign(n=lambda d: len(d["text"])) | (
        lambda d: d["n"] + d["text"]
    )
    # The input needs what the last step reads, minus what the assign adds.
    assert list(assigned.get_input_jsonschema()["properties"]) == ["text"]
    picked = RunnableParallel(a=RunnableLambda(to_text), b=RunnableLambda(spell)) | RunnablePick(
        "a"
    )
    assert picked.get_output_jsonschema() == {"title": "RunnableSequenceOutput", "type": "string"}
    kept = RunnableParallel(a=RunnableLambda(to_text), b=RunnableLambda(spell)) | RunnablePick(
        ["b"]
    )
    assert list(kept.get_output_jsonschema()["properties"]) == ["b"]
    added = RunnableParallel(a=to_text) | RunnablePassthrough.assign(c=lambda d: d["a"])
    assert sorted(added.get_output_jsonschema()["properties"]) == ["a", "c"]


def test_each_and_branch_schemas():
    each = RunnableLambda(to_text).map()
    schema = each.get_input_jsonschema()
    assert schema["type"] == "array" and schema["items"] == {"$ref": "#/$defs/to_text_input"}
    assert each.get_output_jsonschema()["items"] == {"$ref": "#/$defs/to_text_output"}
    branch = RunnableBranch((lambda x: x > 1, to_text), lambda x: x)
    assert branch.get_input_jsonschema()["type"] == "integer"


def count_words(words: list[str]) -> int:
    return len(words)


def test_configurable_schema_follows_the_config():
    counting: Runnable[Any, Any] = RunnableLambda(count_words)
    chosen = Counter().configurable_alternatives(ConfigurableField(id="counter"), words=counting)
    assert chosen.get_input_jsonschema() == {"title": "CounterInput", "type": "string"}
    words = chosen.get_input_jsonschema({"configurable": {"counter": "words"}})
    assert words == {"items": {"type": "string"}, "title": "count_words_input", "type": "array"}
    bound = chosen.with_config(configurable={"counter": "words"})
    assert bound.get_input_jsonschema()["type"] == "array"


def test_binding_schema_uses_the_bound_runnable():
    bound = RunnableLambda(to_text).bind(x=1).with_retry()
    assert bound.get_input_jsonschema() == {"title": "to_text_input", "type": "integer"}
    assert bound.output_schema.model_json_schema()["type"] == "string"


# --- config_specs --------------------------------------------------------------------


def test_configurable_fields_list_their_specs():
    specs = configurable_greeter.config_specs
    assert specs == [
        ConfigurableFieldSpec(
            id="greeting",
            annotation=str,
            name="Greeting",
            description="The greeting word",
            default="Hello",
        ),
        ConfigurableFieldSpec(id="punct", annotation=str, description="Punctuation", default="!"),
    ]
    assert Greeter().config_specs == [] and RunnableLambda(to_text).config_specs == []


def test_configurable_alternatives_list_the_choice_and_inner_fields():
    which = ConfigurableField(id="style", name="Style", description="How to greet")
    alternatives = Greeter().configurable_alternatives(
        which, loud=Greeter(greeting="HEY"), custom=configurable_greeter
    )
    by_id = {spec.id: spec for spec in alternatives.config_specs}
    assert sorted(by_id) == ["greeting", "punct", "style"]
    style = by_id["style"]
    assert issubclass(style.annotation, enum.Enum) and style.annotation.__name__ == "Style"
    assert [member.value for member in style.annotation] == ["loud", "custom", "default"]
    assert (style.default, style.description) == ("default", "How to greet")
    # Built once: the same alternatives give equal specs (so they deduplicate).
    assert alternatives.config_specs == alternatives.config_specs


def test_compositions_gather_specs_once_by_id():
    chain = configurable_greeter | RunnableParallel(a=configurable_greeter, b=lambda x: x)
    assert [spec.id for spec in chain.config_specs] == ["greeting", "punct"]
    assert [s.id for s in configurable_greeter.with_retry().config_specs] == ["greeting", "punct"]
    assert [s.id for s in configurable_greeter.bind(x=1).config_specs] == ["greeting", "punct"]
    fallbacks = Greeter().with_fallbacks([configurable_greeter])
    assert [spec.id for spec in fallbacks.config_specs] == ["greeting", "punct"]
    # A function that calls a configurable runnable has its fields.
    assert [s.id for s in RunnableLambda(greet_through).config_specs] == ["greeting", "punct"]


def test_conflicting_specs_raise():
    first = ConfigurableFieldSpec(id="t", annotation=float, default=0.0)
    with pytest.raises(ValueError, match="'t'"):
        unique_config_specs([first, first._replace(default=1.0)])
    assert unique_config_specs([first, first]) == [first]


def recursive(x):
    return looping.invoke(x) if x else 0


looping = RunnableLambda(recursive) | RunnableLambda(lambda x: x)


def test_a_function_referring_to_its_own_chain_does_not_recurse():
    assert looping.config_specs == []


def test_config_schema_lists_configurable_and_included_keys():
    schema = configurable_greeter.get_config_jsonschema(include=["tags", "run_name"])
    assert sorted(schema["properties"]) == ["configurable", "run_name", "tags"]
    fields = schema["$defs"]["Configurable"]["properties"]
    assert fields["greeting"] == {
        "default": "Hello",
        "description": "The greeting word",
        "title": "Greeting",
        "type": "string",
    }
    assert Greeter().get_config_jsonschema() == {
        "properties": {},
        "title": "GreeterConfig",
        "type": "object",
    }
    model = configurable_greeter.config_schema()
    dumped = model.model_validate({"configurable": {"greeting": "Hi"}}).model_dump()
    assert dumped == {"configurable": {"greeting": "Hi", "punct": "!"}}


# --- cost: nothing on construction or calls ------------------------------------------


def _forbid(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("schema code ran")


async def test_calls_do_not_touch_schema_code(monkeypatch):
    monkeypatch.setattr(_schema_models, "create_model", _forbid)
    monkeypatch.setattr(_schema_types, "declared_types", _forbid)
    monkeypatch.setattr(_schema_types, "_signature", _forbid)
    for name in ("dict_keys_read", "type_schema", "fields_schema"):
        monkeypatch.setattr(_schema, name, _forbid)
    chain = (
        RunnableLambda(to_text)
        | RunnableParallel(a=RunnableLambda(spell), b=configurable_greeter)
        | RunnableLambda(lambda d: d["a"] + d["b"])
    ).with_retry()
    expected = "1Hi, 1!"
    config: RunnableConfig = {"configurable": {"greeting": "Hi"}}
    assert chain.invoke(1, config) == expected
    assert await chain.ainvoke(1, config) == expected
    assert chain.batch([1, 2], config) == [expected, "2Hi, 2!"]
    assert "".join(chain.stream(1, config)) == expected
    assert "".join([c async for c in chain.astream(1, config)]) == expected
    with pytest.raises(AssertionError, match="schema code ran"):
        chain.get_input_schema()


def test_reading_schemas_leaves_instances_unchanged():
    greeter = Greeter(greeting="Hi")
    before = copy.copy(greeter.__dict__)
    assert greeter.get_input_jsonschema()["title"] == "GreeterInput"
    assert greeter.config_specs == []
    assert greeter.__dict__ == before
    assert pickle.loads(pickle.dumps(greeter)).invoke("Ada") == "Hi, Ada!"
    parallel = RunnableParallel(a=RunnableLambda(to_text))
    state = dict(parallel.__dict__)
    parallel.get_output_schema()
    assert parallel.__dict__ == state
    assert copy.deepcopy(parallel).invoke(2) == {"a": "2"}
