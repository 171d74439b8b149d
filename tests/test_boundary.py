"""The core stays platform-free: nothing under bot/ imports a chat SDK."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "bot"
FORBIDDEN = ("slack_bolt", "slack_sdk", "discord")


def chat_sdk_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in {
            "import_module",
            "__import__",
        }:
            names = [
                arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            ]
        found += [name for name in names if name.split(".")[0] in FORBIDDEN]
    return found


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_imports_no_chat_sdk(path: Path) -> None:
    assert chat_sdk_imports(path.read_text(encoding="utf-8")) == []


def test_the_check_catches_each_form_of_import() -> None:
    source = "import slack_bolt\nfrom discord.ext import commands\nimportlib.import_module('slack_sdk.web')\n"
    assert chat_sdk_imports(source) == ["slack_bolt", "discord.ext", "slack_sdk.web"]
    assert chat_sdk_imports("from .discord import x\nimport discordance_tools\n") == []
