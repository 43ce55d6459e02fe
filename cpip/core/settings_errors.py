"""The words of a refused setting: what is wrong, where it was set (cpip.toml or a variable) and
what to do, one line for each mistake (:func:`explain`); and what the models' fields say of
themselves (:func:`is_secret`, :func:`unwrap_optional`), read by the messages and by the
commented cpip.toml (:mod:`cpip.core.settings_toml`)."""

from __future__ import annotations

from pathlib import Path
from types import UnionType
from typing import Any, Literal, Mapping, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo


class SettingsError(Exception):
    """cpip.toml or a CPIP_* variable is wrong; the message says which and how to fix it."""


class _SaneMax:
    """Marks a setting's upper bound as one that only keeps out absurd values (``at_most`` in
    :mod:`cpip.core.settings`): its message says "at most N" rather than "from A to N"."""


SANE_MAX = _SaneMax()


def unwrap_optional(kind: Any) -> Any:
    """``X`` for ``X | None``."""
    if get_origin(kind) in (Union, UnionType):
        return next(a for a in get_args(kind) if a is not type(None))
    return kind


def is_secret(field: FieldInfo) -> bool:
    return bool(isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("secret"))


def sections_listed(sections: Mapping[str, type[BaseModel]]) -> str:
    return ", ".join(f"[{s}]" for s in sections)


def explain(exc: ValidationError, sections: Mapping[str, type[BaseModel]], toml_path: Path, file: dict,
            env: Mapping[str, str]) -> str:
    """What is wrong, one line for each mistake, naming the key, its section and where it was set."""
    upper = {k.upper(): v for k, v in env.items() if v}
    lines = []
    for err in exc.errors(include_url=False):
        if err["type"] == "default_factory_not_called":  # [email] tls, when another key of [email] is wrong
            continue
        loc = [str(part) for part in err["loc"]]
        head = loc[0]
        reason = str(err.get("ctx", {}).get("error", err["msg"]))
        model = sections.get(head)
        if model is None:  # a setting of no section: CPIP_NOW
            var = f"CPIP_{head.upper()}"
            lines.append(f"{var}={upper.get(var, err['input'])!r} is not valid: {reason}.")
        elif len(loc) == 1 and f"CPIP_{head.upper()}" in upper:
            lines.append(f"CPIP_{head.upper()} cannot set [{head}] as a whole: set one setting in each variable, "
                         f"as CPIP_{head.upper()}_<KEY>, and unset CPIP_{head.upper()}.")
        elif len(loc) == 1:  # what [section] says as a whole (a contradiction)
            where = toml_path if head in file else f"CPIP_{head.upper()}_*"
            lines.append(f"{where}: [{head}] {reason}")
        else:
            lines.append(_explain_key(err, model, head, loc[1], toml_path, file, upper))
    return "\n".join(dict.fromkeys(lines))


def _explain_key(err: dict, model: type[BaseModel], section: str, key: str, toml_path: Path, file: dict,
                 upper: Mapping[str, str]) -> str:
    var = f"CPIP_{section.upper()}_{key.upper()}"
    from_env = var in upper
    where = var if from_env else str(toml_path)
    if err["type"] == "extra_forbidden":
        keys = [k for k, f in model.model_fields.items() if from_env or not is_secret(f)]
        fix = "Correct the variable's name, or unset it." if from_env else "Correct the spelling, or remove the line."
        return (f"{where}: [{section}] has no setting {key!r}. The settings of [{section}] are: {', '.join(keys)}. "
                f"{fix}")
    field = model.model_fields[key]
    given = upper[var] if from_env else file.get(section, {}).get(key, err["input"])
    if is_secret(field):
        shown = "(hidden)"
    else:
        shown = "true" if given is True else "false" if given is False else repr(given)
    reason = str(err.get("ctx", {}).get("error", ""))
    if err["type"] == "value_error" and reason.startswith("it must be "):  # a check that says what it wants
        return f"{where}: [{section}] {key} = {shown} is not valid; {reason}."
    return f"{where}: [{section}] {key} = {shown} is not valid; it must be {_expected(field)}."


def _or(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _expected(field: FieldInfo) -> str:
    """The kind of value a setting takes, in words: "a whole number of at least 1"."""
    kind = unwrap_optional(field.annotation)
    if get_origin(kind) is Literal:
        return _or([str(a) for a in get_args(kind)])
    words = {bool: "true or false", int: "a whole number", float: "a number", tuple: "a list of text values, "
             "e.g. [\"a@example.org\"] (in a variable: a@example.org,b@example.org)"}.get(get_origin(kind) or kind,
                                                                                            "text")
    low = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)
    high = next((m.le for m in field.metadata if hasattr(m, "le")), None)
    if high is not None and any(m is SANE_MAX for m in field.metadata):
        return f"{words} of at least {low:g} and at most {high:,g}" if low is not None else f"{words} of at most {high:,g}"
    if low is not None and high is not None:
        return f"{words} from {low:g} to {high:g}"
    if low is not None:
        return f"{words} of at least {low:g}"
    return words
