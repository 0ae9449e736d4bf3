"""The demo and the generator call the steps other apps add, when those exist."""

import sys
from io import StringIO

import pytest
from django.core.management import call_command

from reform_registry.demo import generate
from reform_registry.management.commands import load_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook_module(tmp_path, monkeypatch):
    (tmp_path / "demo_hook_probe.py").write_text(
        "calls = []\n"
        "def load_extra():\n"
        "    calls.append('demo')\n"
        "def generate_extra(**kwargs):\n"
        "    calls.append(sorted(kwargs))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("demo_hook_probe", None)
    import demo_hook_probe

    yield demo_hook_probe
    sys.modules.pop("demo_hook_probe", None)


def test_load_demo_runs_extra_steps_once(hook_module, monkeypatch, settings):
    settings.DEBUG = False
    monkeypatch.setattr(
        load_demo,
        "EXTRA_STEPS",
        [
            ("demo_hook_probe", "load_extra"),
            ("no_such_module_here", "x"),
            ("demo_hook_probe", "nope"),
        ],
    )
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert hook_module.calls == ["demo"]
    assert "demo_hook_probe.load_extra" in out.getvalue()
    call_command("load_demo", stdout=StringIO())
    assert hook_module.calls == ["demo"]


def test_generate_registry_calls_the_staffing_step(hook_module, monkeypatch):
    monkeypatch.setattr(generate, "STAFFING_HOOK", ("demo_hook_probe", "generate_extra"))
    call_command("generate_registry", institutions=40, seed=5, stdout=StringIO())
    assert hook_module.calls == [["jurisdiction", "seed", "stdout"]]
