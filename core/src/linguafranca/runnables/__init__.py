"""Runnables: invoke, batch and stream any unit of work; compose units with ``|``.

Every runnable implements ``invoke`` and gets ``ainvoke``, ``batch``, ``abatch``,
``batch_as_completed``, ``abatch_as_completed``, ``stream``, ``astream``,
``transform``, ``atransform``, ``astream_events`` and ``astream_log``, plus
``bind``, ``with_config``, ``with_retry`` and ``with_fallbacks``. A call's
``RunnableConfig`` (tags, metadata, callbacks, limits) reaches nested runs through
context variables, including inside functions, batch threads and asyncio tasks.
"""

from linguafranca.callbacks import adispatch_custom_event, dispatch_custom_event
from linguafranca.runnables._aggregate import Aggregator
from linguafranca.runnables._base import Runnable, coerce_to_runnable
from linguafranca.runnables._binding import RunnableBinding
from linguafranca.runnables._branch import RunnableBranch
from linguafranca.runnables._chain_decorator import chain
from linguafranca.runnables._config import (
    DEFAULT_RECURSION_LIMIT,
    RunnableConfig,
    ensure_config,
    get_async_callback_manager_for_config,
    get_callback_manager_for_config,
    get_config_list,
    merge_configs,
    patch_config,
    run_in_executor,
    var_child_runnable_config,
)
from linguafranca.runnables._configurable import (
    ConfigurableField,
    DynamicRunnable,
    RunnableConfigurableAlternatives,
    RunnableConfigurableFields,
)
from linguafranca.runnables._each import RunnableEach
from linguafranca.runnables._events import EventData, StreamEvent
from linguafranca.runnables._fallbacks import RunnableWithFallbacks
from linguafranca.runnables._generator import RunnableGenerator
from linguafranca.runnables._lambda import RunnableLambda
from linguafranca.runnables._listeners import Run
from linguafranca.runnables._log import RunLog, RunLogPatch
from linguafranca.runnables._parallel import RunnableMap, RunnableParallel
from linguafranca.runnables._passthrough import (
    AssignInputError,
    RunnableAssign,
    RunnablePassthrough,
)
from linguafranca.runnables._pick import PickInputError, RunnablePick
from linguafranca.runnables._retry import RetryState, RunnableRetry
from linguafranca.runnables._run import (
    RecursionLimitError,
    acall_with_config,
    atransform_with_config,
    call_with_config,
    transform_with_config,
)
from linguafranca.runnables._schema import ConfigurableFieldSpec
from linguafranca.runnables._sequence import RunnableSequence
from linguafranca.runnables._serializable import RunnableSerializable

__all__ = [
    "Aggregator",
    "AssignInputError",
    "ConfigurableField",
    "ConfigurableFieldSpec",
    "DEFAULT_RECURSION_LIMIT",
    "DynamicRunnable",
    "EventData",
    "PickInputError",
    "RecursionLimitError",
    "RetryState",
    "Run",
    "RunLog",
    "RunLogPatch",
    "Runnable",
    "RunnableAssign",
    "RunnableBinding",
    "RunnableBranch",
    "RunnableConfig",
    "RunnableConfigurableAlternatives",
    "RunnableConfigurableFields",
    "RunnableEach",
    "RunnableGenerator",
    "RunnableLambda",
    "RunnableMap",
    "RunnableParallel",
    "RunnablePassthrough",
    "RunnablePick",
    "RunnableRetry",
    "RunnableSequence",
    "RunnableSerializable",
    "RunnableWithFallbacks",
    "StreamEvent",
    "acall_with_config",
    "adispatch_custom_event",
    "atransform_with_config",
    "call_with_config",
    "chain",
    "coerce_to_runnable",
    "dispatch_custom_event",
    "ensure_config",
    "get_async_callback_manager_for_config",
    "get_callback_manager_for_config",
    "get_config_list",
    "merge_configs",
    "patch_config",
    "run_in_executor",
    "transform_with_config",
    "var_child_runnable_config",
]
