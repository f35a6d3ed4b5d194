"""Tool use in each provider's own wire format: the tools offered, the model's calls, our results.

A reply may take up to three *rounds*: the model answers with tool calls instead of text, the
server runs them (tether/chat/tools.py) and sends the conversation again with the calls and their
results appended, until the model answers with text. Each provider's request and response shapes:

* Bedrock Converse: `toolConfig.tools[].toolSpec {name, description, inputSchema.json}`; calls are
  `toolUse {toolUseId, name, input}` blocks of an assistant message; results `toolResult
  {toolUseId, content [{text}], status}` blocks of the next user message. Converse has no "none"
  tool choice and refuses tool blocks without a `toolConfig`, so the last request keeps it.
* Anthropic Messages: `tools[] {name, description, input_schema}`; `tool_use {id, name, input}`
  blocks; `tool_result {tool_use_id, content, is_error}` blocks; the last request has
  `tool_choice {"type": "none"}`.
* OpenAI Chat Completions: `tools[] {type: function, function {name, description, parameters}}`;
  `message.tool_calls[] {id, type: function, function {name, arguments (JSON text)}}`; results
  are `{"role": "tool", tool_call_id, content}` messages; the last request has `tool_choice: "none"`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ToolSpec:
    """A tool offered to the model: its name, what it does, and a JSON Schema of its arguments."""

    name: str
    description: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class ToolCall:
    """The model asks for a tool. `arguments` is what it sent, parsed (None if it was not a JSON object)."""

    id: str
    name: str
    arguments: Mapping[str, Any] | None


@dataclass(frozen=True)
class ToolResult:
    call_id: str
    content: str  # JSON text, bounded (tether/chat/tools.py)
    is_error: bool = False


@dataclass(frozen=True)
class ToolRound:
    """One round: the model's text (often empty) and calls, and the results the server sent back."""

    text: str
    calls: Sequence[ToolCall]
    results: Sequence[ToolResult] = field(default_factory=tuple)


# ---- Bedrock Converse


def bedrock_tool_config(tools: Sequence[ToolSpec]) -> dict[str, Any]:
    return {
        "tools": [
            {
                "toolSpec": {
                    "name": tool.name,
                    "description": tool.description,
                    "inputSchema": {"json": dict(tool.parameters)},
                }
            }
            for tool in tools
        ]
    }


def bedrock_rounds(rounds: Sequence[ToolRound]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for round_ in rounds:
        content: list[dict[str, Any]] = [{"text": round_.text}] if round_.text else []
        content += [
            {"toolUse": {"toolUseId": call.id, "name": call.name, "input": dict(call.arguments or {})}}
            for call in round_.calls
        ]
        messages.append({"role": "assistant", "content": content})
        messages.append(
            {
                "role": "user",
                "content": [
                    {
                        "toolResult": {
                            "toolUseId": result.call_id,
                            "content": [{"text": result.content}],
                            "status": "error" if result.is_error else "success",
                        }
                    }
                    for result in round_.results
                ],
            }
        )
    return messages


def bedrock_calls(content: Sequence[Mapping[str, Any]]) -> list[ToolCall]:
    calls = []
    for block in content:
        use = block.get("toolUse")
        if isinstance(use, Mapping):
            arguments = use.get("input")
            calls.append(
                ToolCall(
                    str(use.get("toolUseId", "")),
                    str(use.get("name", "")),
                    arguments if isinstance(arguments, Mapping) else None,
                )
            )
    return calls


# ---- Anthropic Messages


def anthropic_tools(tools: Sequence[ToolSpec], *, final: bool) -> dict[str, Any]:
    """The `tools` (and, on the last request, `tool_choice`) arguments of `messages.create`."""
    if not tools:
        return {}
    options: dict[str, Any] = {
        "tools": [
            {"name": tool.name, "description": tool.description, "input_schema": dict(tool.parameters)}
            for tool in tools
        ]
    }
    if final:
        options["tool_choice"] = {"type": "none"}
    return options


def anthropic_rounds(rounds: Sequence[ToolRound]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for round_ in rounds:
        content: list[dict[str, Any]] = [{"type": "text", "text": round_.text}] if round_.text else []
        content += [
            {"type": "tool_use", "id": call.id, "name": call.name, "input": dict(call.arguments or {})}
            for call in round_.calls
        ]
        messages.append({"role": "assistant", "content": content})
        messages.append(
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": result.call_id,
                        "content": result.content,
                        "is_error": result.is_error,
                    }
                    for result in round_.results
                ],
            }
        )
    return messages


def anthropic_calls(content: Sequence[Any]) -> list[ToolCall]:
    return [
        ToolCall(block.id, block.name, block.input if isinstance(block.input, Mapping) else None)
        for block in content
        if block.type == "tool_use"
    ]


# ---- OpenAI Chat Completions


def openai_tools(tools: Sequence[ToolSpec], *, final: bool) -> dict[str, Any]:
    """The `tools` (and, on the last request, `tool_choice`) arguments of `chat.completions.create`."""
    if not tools:
        return {}
    options: dict[str, Any] = {
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": dict(tool.parameters),
                },
            }
            for tool in tools
        ]
    }
    if final:
        options["tool_choice"] = "none"
    return options


def openai_rounds(rounds: Sequence[ToolRound]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for round_ in rounds:
        messages.append(
            {
                "role": "assistant",
                "content": round_.text or None,
                "tool_calls": [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": json.dumps(dict(call.arguments or {}))},
                    }
                    for call in round_.calls
                ],
            }
        )
        messages += [
            {"role": "tool", "tool_call_id": result.call_id, "content": result.content}
            for result in round_.results
        ]
    return messages


def openai_calls(tool_calls: Sequence[Any] | None) -> list[ToolCall]:
    calls = []
    for call in tool_calls or ():
        if getattr(call, "type", None) != "function":
            continue
        try:
            arguments = json.loads(call.function.arguments or "{}")
        except ValueError:
            arguments = None
        calls.append(
            ToolCall(call.id, call.function.name, arguments if isinstance(arguments, Mapping) else None)
        )
    return calls
