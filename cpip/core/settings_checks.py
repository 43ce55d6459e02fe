"""The value types of settings and the checks that keep an unsafe or absurd setting out
(:mod:`cpip.core.settings` applies them): whole numbers, seconds, hours, address lists and one
email address as cpip.toml and the environment write them; a ceiling on every number, one line of text with no control character, a marking that is never
empty, and a ``cpip.toml`` that is a plain file. Each refusal's words start "it must be", so the
message (:mod:`cpip.core.settings_errors`) names the setting and says what it takes."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_settings import NoDecode

from cpip.core.periods import parse_now
from cpip.core.settings_errors import SANE_MAX, SettingsError

MAX_TOML_BYTES = 1_000_000  # a cpip.toml is a few kilobytes; anything near this is not one


def at_most(kind: Any, most: float) -> Any:
    """``kind`` no larger than ``most``: a ceiling that only keeps out absurd values (an intake that
    waits a year, a due date 99,999,999 days away, which overflowed a date), worded "at most"."""
    return Annotated[kind, Field(le=most), SANE_MAX]


def at_most_text(most: int) -> Any:
    """Text of at most ``most`` characters, surrounding spaces removed: a limit on what a setting
    prints into receipts and emails, worded "it must be at most"."""
    def check(value: str) -> str:
        value = value.strip()
        if len(value) > most:
            raise ValueError(f"it must be at most {most:,} characters (this is {len(value):,})")
        return value
    return Annotated[str, AfterValidator(check)]


def one_line(value: Any) -> Any:
    """No setting's text holds a line break or another control character: many are written into
    email headers (the sender, the addresses, the subject's programme name and marking), where a CR
    or LF would start a header of its own. A list is checked item by item."""
    for text in value if isinstance(value, tuple) else (value,):
        if isinstance(text, str) and any(unicodedata.category(c) == "Cc" for c in text):
            raise ValueError("it must be text on one line, without line breaks, tabs or other control characters")
    return value


def security_marking(value: str) -> str:
    """The restricted form's security marking: never empty (the form is never printed unmarked)."""
    value = value.strip()
    if not value:
        raise ValueError("it must be the restricted form's security marking, such as OFFICIAL-SENSITIVE (the "
                         "restricted form is never printed unmarked)")
    return value


def check_file(path: Path) -> Path:
    """cpip.toml is absent or a regular file (a link to one is followed); anything else there (a
    folder, a device such as /dev/zero, a link to nothing, a file of megabytes) is refused rather
    than read as no settings, which would, for one, switch email off without a word. Returns ``path``."""
    if not path.exists() and not path.is_symlink():
        return path
    if not path.is_file():
        what = ("a link to nothing" if not path.exists() else "a folder" if path.is_dir() else
                "not a regular file (a device, a pipe or a socket)")
        raise SettingsError(f"{path} is {what}; cpip reads its settings from a plain file there. Remove it and run "
                            "`cpip init` to write one (or put your cpip.toml there).")
    try:
        size = path.stat().st_size
        path.open("rb").close()
    except OSError as exc:
        raise SettingsError(f"{path} cannot be read ({exc.strerror or exc}); make it readable by this account and "
                            "run the command again.") from None
    if size > MAX_TOML_BYTES:
        raise SettingsError(f"{path} is {size:,} bytes, far more than settings take; it is not a cpip.toml. Remove "
                            "it and run `cpip init` to write one.")
    return path


def _number(value: Any) -> Any:
    if isinstance(value, bool):  # TOML's true is not 1
        raise ValueError("a number, not true or false")
    return value


def _text_list(value: Any) -> Any:
    """A list as TOML writes it, or, from the environment, text with commas between the items."""
    if isinstance(value, str):
        return tuple(x.strip() for x in value.split(",") if x.strip())
    return value


def word(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def moment(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_now(value)
        except ValueError:
            raise ValueError("it must be an ISO 8601 time such as 2026-10-15T09:00; correct it or unset it") from None
    return value


Whole = Annotated[int, BeforeValidator(_number)]
Seconds = Annotated[float, BeforeValidator(_number), Field(ge=0, allow_inf_nan=False)]
Hour = Annotated[int, BeforeValidator(_number), Field(ge=0, le=23)]
Addresses = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_text_list)]

# One email address as people write it: a local part, "@", and a domain with at least one dot; no spaces,
# no display name ("Statistics <stats@example.org>"), no list. Not a full RFC 5322 parser: enough to refuse
# a name, a sentence or two addresses where one address is printed for the public to write to.
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")


def _email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.fullmatch(value):
        raise ValueError("it must be one email address, such as statistics@example.org (no name, no spaces)")
    return value


Email = Annotated[str, AfterValidator(_email)]
