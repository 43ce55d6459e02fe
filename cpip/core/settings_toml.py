"""The commented cpip.toml that ``cpip init`` writes, made from the settings' models
(:mod:`cpip.core.settings`): every section and setting, explained, with its default (or, where it
has none, an example), commented out, so the defaults stay the code's."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from cpip.core.settings import SECTIONS
from cpip.core.settings_errors import is_secret


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string: JSON's escapes are TOML's


def _comment(text: str, width: int = 96) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), width, initial_indent="# ", subsequent_indent="# ",
                         break_on_hyphens=False, break_long_words=False)


def commented_toml() -> str:
    """The cpip.toml that ``cpip init`` writes: every section and setting, explained, with its default
    (or, where it has none, an example), commented out, so the defaults stay the code's."""
    out = _comment("Settings for this CPIP home, read by every cpip command. Every setting is optional: each "
                   "line below shows a setting with its default (or, where it has none, an example), commented "
                   "out. To change one, remove the \"# \" in front of it and edit the value.")
    out += _comment("Environment variables override single settings as CPIP_<SECTION>_<KEY>, e.g. "
                    "CPIP_CYCLE_DUE_DAYS=30. Secrets (the SMTP password) never go here: set CPIP_EMAIL_PASSWORD "
                    "in the environment. A misspelt setting or section is refused with a message naming it.")
    for name, model in SECTIONS.items():
        out += ["", f"# [{name}]" if name == "email" else f"[{name}]"]  # [email] switches email on
        out += _comment(model.__doc__ or "")
        for key, field in model.model_fields.items():
            out.append("")
            if is_secret(field):
                out += _comment(f"{key}: never here. {field.description}")
                continue
            out += _comment(field.description or "")
            value = field.examples[0] if field.default is None and field.examples else field.get_default(
                call_default_factory=True, validated_data={})
            out.append(f"# {key} = {_toml_value(value)}")
    return "\n".join(out) + "\n"


DEFAULT_TOML = commented_toml()
