"""Runnable.get_graph(): the node/edge structure per runnable type, and the drawings.

The mermaid strings pinned below were produced by LangChain (langchain_core 1.7) for the
same chains and checked equal by hand; the ASCII drawings are linguafranca's own layout.
"""

import json
from typing import Any

import pytest
from pydantic import BaseModel

from linguafranca.chat_models.fake import GenericFakeChatModel
from linguafranca.messages import AIMessage
from linguafranca.output_parsers import StrOutputParser
from linguafranca.runnables import (
    ConfigurableField,
    RunnableBranch,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
)
from linguafranca.runnables import graph as graph_module
from linguafranca.runnables._graph import Graph
from linguafranca.runnables._graph_types import CurveStyle, Edge, Node, NodeStyles


def add_one(x: int) -> int:
    return x + 1


def double(x: int) -> int:
    return x * 2


def square(x: int) -> int:
    return x * x


ADD_ONE = RunnableLambda(add_one)
DOUBLE = RunnableLambda(double)
SQUARE = RunnableLambda(square)


def calls_two(x: int) -> int:
    return DOUBLE.invoke(x) + SQUARE.invoke(x)


def names(graph):
    return [node.name for node in graph.nodes.values()]


def edges_by_name(graph):
    return [(graph.nodes[e.source].name, graph.nodes[e.target].name) for e in graph.edges]


def model():
    return GenericFakeChatModel(messages=iter([AIMessage("hi")]))


# --- structure per runnable type -----------------------------------------------------


def test_a_plain_runnable_is_input_runnable_output():
    graph = ADD_ONE.get_graph()
    assert names(graph) == ["add_one_input", "add_one", "add_one_output"]
    assert edges_by_name(graph) == [("add_one_input", "add_one"), ("add_one", "add_one_output")]
    given, node, returned = graph.nodes.values()
    assert isinstance(given.data, type) and issubclass(given.data, BaseModel)
    assert given.data.__name__ == "add_one_input"
    assert node.data is ADD_ONE and node.metadata is None
    assert isinstance(returned.data, type) and issubclass(returned.data, BaseModel)
    assert graph.first_node() == given and graph.last_node() == returned


def test_a_sequence_chains_its_steps_without_their_inner_schemas():
    graph = (ADD_ONE | DOUBLE | SQUARE).get_graph()
    assert names(graph) == ["add_one_input", "add_one", "double", "square", "square_output"]
    assert edges_by_name(graph) == [
        ("add_one_input", "add_one"),
        ("add_one", "double"),
        ("square", "square_output"),
        ("double", "square"),
    ]
    first, last = graph.first_node(), graph.last_node()
    assert first is not None and first.name == "add_one_input"
    assert last is not None and last.name == "square_output"


def test_a_step_used_twice_keeps_one_input_and_one_output():
    # LangChain compares steps by identity here and leaves inner schemas in; by position
    # the chain reads as it runs.
    graph = (ADD_ONE | DOUBLE | ADD_ONE).get_graph()
    assert names(graph) == ["add_one_input", "add_one", "double", "add_one", "add_one_output"]
    assert graph.draw_mermaid(with_styles=False) == (
        "graph TD;\n"
        "\tadd_one_input --> add_one_1;\n"
        "\tadd_one_1 --> double;\n"
        "\tadd_one_2 --> add_one_output;\n"
        "\tdouble --> add_one_2;\n"
    )


def test_a_parallel_fans_out_and_back_in():
    graph = RunnableParallel(d=DOUBLE, s=SQUARE).get_graph()
    assert names(graph) == ["Parallel<d,s>Input", "Parallel<d,s>Output", "double", "square"]
    assert edges_by_name(graph) == [
        ("Parallel<d,s>Input", "double"),
        ("double", "Parallel<d,s>Output"),
        ("Parallel<d,s>Input", "square"),
        ("square", "Parallel<d,s>Output"),
    ]


def test_a_parallel_step_that_is_a_sequence_keeps_its_chain():
    graph = RunnableParallel(p=ADD_ONE | DOUBLE, q=SQUARE).get_graph()
    assert edges_by_name(graph) == [
        ("add_one", "double"),
        ("Parallel<p,q>Input", "add_one"),
        ("double", "Parallel<p,q>Output"),
        ("Parallel<p,q>Input", "square"),
        ("square", "Parallel<p,q>Output"),
    ]


def test_a_dict_inside_a_chain_links_to_the_steps_around_it():
    graph = (ADD_ONE | {"d": DOUBLE, "s": SQUARE} | RunnableLambda(lambda x: x["d"])).get_graph()
    assert ("add_one", "Parallel<d,s>Input") in edges_by_name(graph)
    assert ("Parallel<d,s>Output", "Lambda") in edges_by_name(graph)
    assert names(graph)[-1] == "LambdaOutput"
    assert len(graph.edges) == 8


def test_passthrough_alone_and_inside_a_parallel():
    assert names(RunnablePassthrough().get_graph()) == [
        "PassthroughInput",
        "Passthrough",
        "PassthroughOutput",
    ]
    graph = RunnableParallel(orig=RunnablePassthrough(), d=DOUBLE).get_graph()
    assert edges_by_name(graph)[:2] == [
        ("Parallel<orig,d>Input", "Passthrough"),
        ("Passthrough", "Parallel<orig,d>Output"),
    ]


def test_assign_shows_a_passthrough_beside_the_assigned_steps():
    graph = RunnablePassthrough.assign(d=DOUBLE).get_graph()
    assert names(graph) == ["Parallel<d>Input", "Parallel<d>Output", "double", "Passthrough"]
    assert edges_by_name(graph) == [
        ("Parallel<d>Input", "double"),
        ("double", "Parallel<d>Output"),
        ("Parallel<d>Input", "Passthrough"),
        ("Passthrough", "Parallel<d>Output"),
    ]
    assert isinstance(graph.nodes[list(graph.nodes)[3]].data, RunnablePassthrough)


@pytest.mark.parametrize(
    "wrapped",
    [
        ADD_ONE.bind(foo=1),
        ADD_ONE.with_config(tags=["x"]),
        ADD_ONE.with_retry(),
        ADD_ONE.with_types(input_type=str),
        ADD_ONE.with_listeners(on_end=lambda run: None),
    ],
    ids=["bind", "with_config", "with_retry", "with_types", "with_listeners"],
)
def test_wrappers_show_what_they_wrap_with_metadata_as_a_dict(wrapped):
    graph = wrapped.get_graph()
    assert names(graph) == ["add_one_input", "add_one", "add_one_output"]
    assert list(graph.nodes.values())[1].data is ADD_ONE
    assert list(graph.nodes.values())[1].metadata == {}


def test_map_shows_the_mapped_runnable():
    assert names(ADD_ONE.map().get_graph()) == ["add_one_input", "add_one", "add_one_output"]


def test_metadata_from_the_config_and_from_with_config_lands_on_the_node():
    graph = ADD_ONE.get_graph({"metadata": {"k": "v"}})
    assert list(graph.nodes.values())[1].metadata == {"k": "v"}
    bound = ADD_ONE.with_config(metadata={"a": 1}).get_graph({"metadata": {"b": 2}})
    assert list(bound.nodes.values())[1].metadata == {"a": 1, "b": 2}


def test_fallbacks_are_one_node_with_the_primary_schemas():
    graph = ADD_ONE.with_fallbacks([DOUBLE]).get_graph()
    assert names(graph) == ["add_one_input", "WithFallbacks", "add_one_output"]


def test_a_branch_is_one_node():
    graph = RunnableBranch((lambda x: x > 1, ADD_ONE), DOUBLE).get_graph()
    assert names(graph) == ["double_input", "Branch", "BranchOutput"]


def test_a_function_calling_runnables_fans_out_to_them():
    graph = RunnableLambda(calls_two).get_graph()
    assert names(graph) == ["calls_two_input", "calls_two_output", "double", "square"]
    assert edges_by_name(graph) == [
        ("calls_two_input", "double"),
        ("double", "calls_two_output"),
        ("calls_two_input", "square"),
        ("square", "calls_two_output"),
    ]


def test_a_closure_and_a_bound_method_count_once():
    inner = DOUBLE
    invoke = SQUARE.invoke

    def uses(x):
        return inner.invoke(x) + inner.batch([x])[0] + invoke(x)

    assert names(RunnableLambda(uses).get_graph()) == [
        "uses_input",
        "uses_output",
        "double",
        "square",
    ]


def test_a_function_calling_its_own_chain_does_not_recurse_forever():
    chain: Any = None

    def again(x):
        return chain.invoke(x) if x < 3 else x

    step = RunnableLambda(again)
    chain = step | DOUBLE
    graph = chain.get_graph()
    # The function stands for what it calls (itself, shown once as a plain node, then double).
    assert names(graph) == ["again_input", "again", "double", "double", "double_output"]
    assert graph.draw_mermaid(with_styles=False) == (
        "graph TD;\n"
        "\tagain --> double_1;\n"
        "\tagain_input --> again;\n"
        "\tdouble_2 --> double_output;\n"
        "\tdouble_1 --> double_2;\n"
    )


def test_configurable_alternatives_show_the_configured_choice():
    chooser = model().configurable_alternatives(ConfigurableField(id="which"), other=ADD_ONE)
    assert names(chooser.get_graph())[1] == "GenericFakeChatModel"
    chosen = chooser.get_graph({"configurable": {"which": "other"}})
    assert names(chosen) == ["add_one_input", "add_one", "add_one_output"]
    assert list(chosen.nodes.values())[1].metadata == {}


def test_configurable_fields_show_the_model():
    configurable = model().configurable_fields(name=ConfigurableField(id="name"))
    graph = configurable.get_graph({"configurable": {"name": "Renamed"}})
    assert names(graph)[1] == "Renamed"


def test_a_chat_model_chain_with_a_parser():
    graph = (model() | StrOutputParser()).get_graph()
    assert names(graph) == [
        "GenericFakeChatModelInput",
        "GenericFakeChatModel",
        "StrOutputParser",
        "StrOutputParserOutput",
    ]
    assert graph.draw_mermaid(with_styles=False) == (
        "graph TD;\n"
        "\tGenericFakeChatModelInput --> GenericFakeChatModel;\n"
        "\tStrOutputParser --> StrOutputParserOutput;\n"
        "\tGenericFakeChatModel --> StrOutputParser;\n"
    )


# --- to_json -------------------------------------------------------------------------


def test_to_json_numbers_made_up_ids_and_names_the_runnable_class():
    data = (ADD_ONE | DOUBLE).get_graph().to_json()
    lambda_id = ["linguafranca", "runnables", "_lambda", "RunnableLambda"]
    assert data == {
        "nodes": [
            {"id": 0, "type": "schema", "data": "add_one_input"},
            {"id": 1, "type": "runnable", "data": {"id": lambda_id, "name": "add_one"}},
            {"id": 2, "type": "runnable", "data": {"id": lambda_id, "name": "double"}},
            {"id": 3, "type": "schema", "data": "double_output"},
        ],
        "edges": [
            {"source": 0, "target": 1},
            {"source": 2, "target": 3},
            {"source": 1, "target": 2},
        ],
    }
    json.dumps(data)  # JSON-ready as it is


def test_to_json_with_schemas_and_given_ids_edge_data_and_metadata():
    graph = Graph()
    start = graph.add_node(None, "start")
    step = graph.add_node(ADD_ONE, "step", metadata={"k": "v"})
    schema = graph.add_node(ADD_ONE.get_input_schema())
    graph.add_edge(start, step, data="go", conditional=True)
    graph.add_edge(step, schema)
    data = graph.to_json(with_schemas=True)
    assert data["nodes"][0] == {"id": "start"}
    assert data["nodes"][1]["data"]["name"] == "step" and data["nodes"][1]["metadata"] == {"k": "v"}
    assert data["nodes"][2] == {
        "id": 2,
        "type": "schema",
        "data": {"title": "add_one_input", "type": "integer"},
    }
    assert data["edges"] == [
        {"source": "start", "target": "step", "data": "go", "conditional": True},
        {"source": "step", "target": 2},
    ]


# --- the Graph API -------------------------------------------------------------------


def test_add_node_and_add_edge_refuse_bad_ids():
    graph = Graph()
    node = graph.add_node(None, "a")
    with pytest.raises(ValueError, match="already has a node with id 'a'"):
        graph.add_node(None, "a")
    stranger = Node("b", "b", None, None)
    with pytest.raises(ValueError, match="target node 'b' is not in the graph"):
        graph.add_edge(node, stranger)
    with pytest.raises(ValueError, match="source node 'b' is not in the graph"):
        graph.add_edge(stranger, node)


def test_remove_node_drops_its_edges():
    graph = Graph()
    a, b, c = (graph.add_node(None, key) for key in "abc")
    graph.add_edge(a, b)
    graph.add_edge(b, c)
    graph.remove_node(b)
    assert list(graph.nodes) == ["a", "c"] and graph.edges == []
    assert not Graph() and graph


def test_first_and_last_node_are_none_when_ambiguous():
    graph = Graph()
    a, b, c = (graph.add_node(None, key) for key in "abc")
    graph.add_edge(a, c)
    graph.add_edge(b, c)
    assert graph.first_node() is None and graph.last_node() == c


def test_trim_removes_an_end_only_if_a_single_end_remains():
    chain = ADD_ONE.get_graph()
    chain.trim_first_node()
    chain.trim_last_node()
    assert names(chain) == ["add_one"]
    fan = RunnableParallel(d=DOUBLE, s=SQUARE).get_graph()
    fan.trim_first_node()  # two edges leave the input: it stays
    fan.trim_last_node()
    assert len(fan.nodes) == 4


def test_extend_with_a_prefix_and_reid():
    outer = Graph()
    start = outer.add_node(None, "start")
    inner = Graph()
    x, y = inner.add_node(None, "x"), inner.add_node(None, "y")
    inner.add_edge(x, y)
    first, last = outer.extend(inner, prefix="child")
    assert first == Node("child:x", "x", None, None)
    assert last is not None and last.id == "child:y"
    outer.add_edge(start, first)
    assert outer.edges == [Edge("child:x", "child:y"), Edge("start", "child:x")]
    made_up = Graph()
    made_up.add_node(ADD_ONE)
    made_up.add_node(ADD_ONE)
    made_up.add_node(DOUBLE)
    assert list(made_up.reid().nodes) == ["add_one_1", "add_one_2", "double"]


# --- mermaid -------------------------------------------------------------------------

CHAIN_MERMAID = (
    "---\nconfig:\n  flowchart:\n    curve: linear\n---\ngraph TD;\n"
    "\tadd_one_input([add_one_input]):::first\n"
    "\tadd_one(add_one)\n"
    "\tdouble(double)\n"
    "\tsquare(square)\n"
    "\tsquare_output([square_output]):::last\n"
    "\tadd_one_input --> add_one;\n"
    "\tadd_one --> double;\n"
    "\tsquare --> square_output;\n"
    "\tdouble --> square;\n"
    "\tclassDef default fill:#f2f0ff,line-height:1.2\n"
    "\tclassDef first fill-opacity:0\n"
    "\tclassDef last fill:#bfb6fc\n"
)

PARALLEL_MERMAID = (
    "---\nconfig:\n  flowchart:\n    curve: linear\n---\ngraph TD;\n"
    "\tParallel\\3cd\\2cs\\3eInput([Parallel<d,s>Input]):::first\n"
    "\tParallel\\3cd\\2cs\\3eOutput([Parallel<d,s>Output]):::last\n"
    "\tdouble(double)\n"
    "\tsquare(square)\n"
    "\tParallel\\3cd\\2cs\\3eInput --> double;\n"
    "\tdouble --> Parallel\\3cd\\2cs\\3eOutput;\n"
    "\tParallel\\3cd\\2cs\\3eInput --> square;\n"
    "\tsquare --> Parallel\\3cd\\2cs\\3eOutput;\n"
    "\tclassDef default fill:#f2f0ff,line-height:1.2\n"
    "\tclassDef first fill-opacity:0\n"
    "\tclassDef last fill:#bfb6fc\n"
)


def test_mermaid_of_a_chain_matches_langchain():
    assert (ADD_ONE | DOUBLE | SQUARE).get_graph().draw_mermaid() == CHAIN_MERMAID


def test_mermaid_of_a_parallel_matches_langchain():
    assert RunnableParallel(d=DOUBLE, s=SQUARE).get_graph().draw_mermaid() == PARALLEL_MERMAID


def agent_graph():
    graph = Graph()
    start = graph.add_node(None, "__start__")
    agent = graph.add_node(
        ADD_ONE, "agent", metadata={"k": "v", "tags": [1, 2], "nested": {"x": 1}, "esc": "a<b>#"}
    )
    tools = graph.add_node(ADD_ONE, "tools")
    end = graph.add_node(None, "__end__")
    graph.add_edge(start, agent)
    graph.add_edge(agent, tools, data="continue", conditional=True)
    graph.add_edge(agent, end, data="one two three four five", conditional=True)
    graph.add_edge(tools, agent, data="back")
    graph.add_edge(tools, end)
    return graph


def test_mermaid_labels_metadata_conditional_edges_and_markdown_names():
    assert agent_graph().draw_mermaid(wrap_label_n_words=2, node_colors=NodeStyles(last="x")) == (
        "---\nconfig:\n  flowchart:\n    curve: linear\n---\ngraph TD;\n"
        "\t__start__([<p>__start__</p>]):::first\n"
        "\tagent(agent<hr/><small><em>k = v\ntags = 1, 2\nesc = a#60;b#62;#35;</em></small>)\n"
        "\ttools(tools)\n"
        "\t__end__([<p>__end__</p>]):::last\n"
        "\t__start__ --> agent;\n"
        "\tagent -. &nbsp;continue&nbsp; .-> tools;\n"
        "\tagent -. &nbsp;one two&nbsp<br>&nbspthree four&nbsp<br>&nbspfive&nbsp; .-> __end__;\n"
        "\ttools -- &nbsp;back&nbsp; --> agent;\n"
        "\ttools --> __end__;\n"
        "\tclassDef default fill:#f2f0ff,line-height:1.2\n"
        "\tclassDef first fill-opacity:0\n"
        "\tclassDef last x\n"
    )


def test_mermaid_frontmatter_is_yaml_with_sorted_keys():
    text = (
        RunnablePassthrough()
        .get_graph()
        .draw_mermaid(
            curve_style=CurveStyle.BASIS,
            frontmatter_config={
                "title": "My graph: x",
                "config": {"theme": "neutral", "themeVariables": {"primaryColor": "#e2e2e2"}},
                "flag": True,
                "lst": ["a", "yes"],
            },
        )
    )
    assert text.split("graph TD;")[0] == (
        "---\n"
        "config:\n"
        "  flowchart:\n"
        "    curve: basis\n"
        "  theme: neutral\n"
        "  themeVariables:\n"
        "    primaryColor: '#e2e2e2'\n"
        "flag: true\n"
        "lst:\n"
        "- a\n"
        "- 'yes'\n"
        "title: 'My graph: x'\n"
        "---\n"
    )


def test_mermaid_subgraphs_from_prefixed_ids():
    outer = Graph()
    start = outer.add_node(None, "start")
    inner = Graph()
    x1, x2 = inner.add_node(None, "x1"), inner.add_node(None, "x2")
    inner.add_edge(x1, x2)
    deep = Graph()
    d1, d2 = deep.add_node(None, "d1"), deep.add_node(None, "d2")
    deep.add_edge(d1, d2)
    deep_first, _ = inner.extend(deep, prefix="inner")
    assert deep_first is not None
    inner.add_edge(x2, deep_first)
    first, _ = outer.extend(inner, prefix="child")
    assert first is not None
    outer.add_edge(start, first)
    lonely = Graph()
    lonely.add_node(None, "solo")
    outer.extend(lonely, prefix="alone")
    assert outer.draw_mermaid().split("graph TD;\n")[1] == (
        "\tstart(start)\n"
        "\tstart --> child\\3ax1;\n"
        "\tsubgraph child\n"
        "\tchild\\3ax1(x1)\n"
        "\tchild\\3ax2(x2)\n"
        "\tchild\\3ax1 --> child\\3ax2;\n"
        "\tchild\\3ax2 --> child\\3ainner\\3ad1;\n"
        "\tsubgraph inner\n"
        "\tchild\\3ainner\\3ad1(d1)\n"
        "\tchild\\3ainner\\3ad2(d2)\n"
        "\tchild\\3ainner\\3ad1 --> child\\3ainner\\3ad2;\n"
        "\tend\n"
        "\tend\n"
        "\tsubgraph alone\n"
        "\talone\\3asolo(solo)\n"
        "\tend\n"
        "\tclassDef default fill:#f2f0ff,line-height:1.2\n"
        "\tclassDef first fill-opacity:0\n"
        "\tclassDef last fill:#bfb6fc\n"
    )


def test_mermaid_refuses_two_subgraphs_with_one_name():
    def part():
        sub = Graph()
        x, y = sub.add_node(None, "x"), sub.add_node(None, "y")
        sub.add_edge(x, y)
        deep = Graph()
        deep.add_edge(deep.add_node(None, "d1"), deep.add_node(None, "d2"))
        first, _ = sub.extend(deep, prefix="same")
        assert first is not None
        sub.add_edge(y, first)
        return sub

    graph = Graph()
    graph.extend(part(), prefix="a")
    graph.extend(part(), prefix="b")
    with pytest.raises(ValueError, match="Two subgraphs are named 'same'"):
        graph.draw_mermaid()


# --- ascii ---------------------------------------------------------------------------

CHAIN_ASCII = """\
+---------------+
| add_one_input |
+---------------+
        *
        *
        *
   +---------+
   | add_one |
   +---------+
        *
        *
        *
   +--------+
   | double |
   +--------+
        *
        *
        *
   +--------+
   | square |
   +--------+
        *
        *
        *
+---------------+
| square_output |
+---------------+"""

PARALLEL_ASCII = """\
+--------------------+
| Parallel<d,s>Input |
+--------------------+
          ***
       ***   ****
     **          **
+--------+   +--------+
| double |   | square |
+--------+   +--------+
     **          **
       ****   ***
           ***
 +---------------------+
 | Parallel<d,s>Output |
 +---------------------+"""


def test_ascii_of_a_chain():
    assert (ADD_ONE | DOUBLE | SQUARE).get_graph().draw_ascii() == CHAIN_ASCII


def test_ascii_of_a_parallel():
    assert RunnableParallel(d=DOUBLE, s=SQUARE).get_graph().draw_ascii() == PARALLEL_ASCII


def test_print_ascii_prints_the_drawing(capsys):
    (ADD_ONE | DOUBLE | SQUARE).get_graph().print_ascii()
    assert capsys.readouterr().out == CHAIN_ASCII + "\n"


def test_ascii_routes_an_edge_that_skips_a_row_around_the_boxes():
    text = RunnableParallel(p=ADD_ONE | DOUBLE, q=SQUARE).get_graph().draw_ascii()
    lines = text.splitlines()
    double_row = next(i for i, line in enumerate(lines) if "| double |" in line)
    square_column = lines[next(i for i, line in enumerate(lines) if "| square |" in line)].index(
        "square"
    )
    # Beside the double box, the square -> output edge runs straight down.
    assert lines[double_row][square_column + 3] == "*"
    assert lines[-2] == " | Parallel<p,q>Output |"


def test_ascii_draws_cycles_conditional_edges_and_lone_nodes():
    graph = agent_graph()
    graph.add_node(None, "lonely")
    text = graph.draw_ascii()
    for label in ("| __start__ |", "| agent |", "| tools |", "| __end__ |", "| lonely |"):
        assert label in text
    assert "." in text.replace("| .", "")  # conditional edges are dotted
    assert Graph().draw_ascii() == ""


# --- what is not available -----------------------------------------------------------


def test_png_drawing_says_what_to_use_instead():
    graph = ADD_ONE.get_graph()
    with pytest.raises(NotImplementedError, match="graphviz.*draw_mermaid"):
        graph.draw_png("out.png")
    with pytest.raises(NotImplementedError, match="draw_mermaid_png"):
        graph.draw_mermaid_png()


def test_the_public_module_has_langchains_names():
    assert graph_module.Graph is Graph
    assert set(graph_module.__all__) >= {"Graph", "Node", "Edge", "CurveStyle", "NodeStyles"}
    assert graph_module.__all__ == sorted(graph_module.__all__)
