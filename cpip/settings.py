"""One typed settings object, read once from ``<home>/cpip.toml`` and the environment.

Precedence (highest first): ``CPIP_<SECTION>_<KEY>`` environment variables,
``cpip.toml`` in the home, the defaults below. The home is ``--home``, else
``CPIP_HOME``, else ``./cpip-home``. Secrets (``CPIP_EMAIL_PASSWORD``) are read
only from the environment, are never written to the file and never printed:
:class:`Secret` hides them from ``repr``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

from cpip.periods import parse_now


class SettingsError(Exception):
    """cpip.toml or a CPIP_* variable is wrong; the message says which and how to fix it."""


class Secret(str):
    def __repr__(self) -> str:  # pragma: no cover - trivial
        return "Secret('********')"

    __str__ = __repr__

    def reveal(self) -> str:
        return str.__str__(self)


@dataclass(frozen=True)
class ReferenceSettings:
    register: str | None = None
    partners: str | None = None
    assignments: str | None = None
    indicators: str | None = None


@dataclass(frozen=True)
class IntakeSettings:
    settle_seconds: float = 1.0
    # How long a second writer waits for the home's lock before giving up.
    lock_timeout_seconds: float = 120.0
    # How officers reach their drop folder from their desk, as templates, receipts, reminders and
    # emails name it: a share path or a web address, with {partner_code} standing for the partner,
    # e.g. "\\\\council-share\\cpip\\{partner_code}" or "https://files.example.org/cpip/{partner_code}/".
    # Empty means the folder's name in the home, inbox/<partner code>/.
    officer_folder: str = ""

    def folder_for(self, partner_code: str) -> str:
        """The partner's drop folder in the words its officers see (:data:`officer_folder`)."""
        return officer_folder(self.officer_folder, partner_code)


def officer_folder(template: str, partner_code: str) -> str:
    """``template`` with ``{partner_code}`` filled in (plain substitution: no other braces are read),
    or ``inbox/<partner code>/`` when it is empty."""
    if not template.strip():
        return f"inbox/{partner_code}/"
    return template.strip().replace("{partner_code}", partner_code)


@dataclass(frozen=True)
class CycleSettings:
    due_days: int = 28


@dataclass(frozen=True)
class BriefingSettings:
    marking: str = "OFFICIAL-SENSITIVE"
    suppress_below: int = 5
    # The programme's name as printed on briefings and receipts (an addition to interfaces.md).
    programme: str = "Child Protection Improvement Programme"


@dataclass(frozen=True)
class EmailSettings:
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "cpip-returns@example.org"
    briefing_to: tuple[str, ...] = ()
    # Which form of the briefing is attached: "publication" (default), "restricted", "both" or "none".
    # The default never attaches OFFICIAL-SENSITIVE material; the restricted form is linked instead.
    briefing_attach: str = "publication"
    # Where the restricted form is kept, for the link in the message (e.g. a controlled share);
    # empty means the path in the outbox is given.
    briefing_link: str = ""
    username: str | None = None
    password: Secret | None = field(default=None, repr=False)  # CPIP_EMAIL_PASSWORD only
    password_block: str | None = None  # or the name of a Prefect Secret block holding it
    # How the connection is secured: "starttls" (plain connection upgraded, usually port 587),
    # "ssl" (TLS from the first byte, SMTPS, usually port 465) or "none". With TLS the server's
    # certificate and host name are always verified. Empty means "starttls" when the older key
    # starttls = true is set, else "none"; after loading it is always one of the three.
    tls: str = ""
    starttls: bool = False  # the older spelling of tls = "starttls", still read
    # A PEM file of the certificate authorities to trust instead of the system's (e.g. a private
    # CA); a relative path is in the home. Empty means the system's trusted CAs.
    ca_file: str = ""
    timeout_seconds: float = 30.0
    # Email every receipt to the partner (interfaces.md "Receipts by email"); on whenever [email] is set.
    receipts: bool = True

    def __post_init__(self) -> None:
        tls = self.tls.strip().lower() or ("starttls" if self.starttls else "none")
        object.__setattr__(self, "tls", tls)


@dataclass(frozen=True)
class ReviewSettings:
    # True: a cycle writes a draft that a named person in the programme office must approve
    # (cpip approve, or the Prefect input form) before it is delivered; false: delivered at once.
    required: bool = True
    reviewers: tuple[str, ...] = ("programme-office@example.org",)  # told by email when a draft is ready
    wait_days: int = 7  # how long a Prefect cycle run waits (suspended) for a decision


@dataclass(frozen=True)
class ScheduleSettings:
    intake_every_minutes: int = 5
    cycle_hour: int = 6  # UK time, the day after each due date
    reminder_days_before: int = 7
    reminder_hour: int = 9
    templates_hour: int = 7  # on the first day of each quarter, for the quarter just ended


@dataclass(frozen=True)
class Settings:
    home: Path
    now: datetime
    reference: ReferenceSettings = ReferenceSettings()
    intake: IntakeSettings = IntakeSettings()
    cycle: CycleSettings = CycleSettings()
    briefing: BriefingSettings = BriefingSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    review: ReviewSettings = ReviewSettings()
    email: EmailSettings | None = None
    # True when PREFECT_API_URL names a Prefect server: CLI runs are then
    # orchestrated (and visible) there; otherwise the same flow body runs in-process.
    prefect_api_url: str | None = None

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def outbox(self) -> Path:
        return self.home / "outbox"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def lock_path(self) -> Path:
        return self.home / ".cpip.lock"

    def reference_path(self, name: str) -> Path | None:
        value = getattr(self.reference, name)
        if value is None:
            return None
        p = Path(value)
        return p if p.is_absolute() else self.home / p


_SECTIONS = {
    "reference": ReferenceSettings,
    "intake": IntakeSettings,
    "cycle": CycleSettings,
    "briefing": BriefingSettings,
    "schedule": ScheduleSettings,
    "review": ReviewSettings,
    "email": EmailSettings,
}

DEFAULT_TOML = """\
# cpip settings for this home. Every key is optional; the values shown are the defaults.
# Environment variables override single keys as CPIP_<SECTION>_<KEY>, e.g. CPIP_CYCLE_DUE_DAYS=30.
# Secrets (the SMTP password) never go here: set CPIP_EMAIL_PASSWORD in the environment.

[reference]            # each optional; the CPIP files shipped with cpip are the default
# register = "reference/register.csv"
# partners = "reference/partners.csv"
# assignments = "reference/assignments.csv"
# indicators = "reference/indicators.csv"

[intake]
settle_seconds = 1     # a file is taken once unchanged for this long
# lock_timeout_seconds = 120   # how long a second run waits for the first to finish
# officer_folder = ""          # how officers reach their folder, named in templates, receipts and emails:
#                              # e.g. "\\\\council-share\\cpip\\{partner_code}" or "https://files.example.org/cpip/{partner_code}/"

[cycle]
due_days = 28          # a return is due this many days after its period ends

[briefing]
marking = "OFFICIAL-SENSITIVE"   # printed at the top and bottom of every page of the restricted form
suppress_below = 5               # publication form: CPC-level values from 1 to this minus 1 become [c]
# programme = "Child Protection Improvement Programme"   # the name printed on briefings and receipts

[schedule]             # used by `cpip serve` and prefect.yaml (UK time)
# intake_every_minutes = 5
# cycle_hour = 6               # the cycle runs at this hour on the day after each due date
# reminder_days_before = 7     # first reminder this many days before the due date; second the day after it
# reminder_hour = 9
# templates_hour = 7           # templates for the quarter just ended, on the first day of the next

[review]               # a named person approves every briefing before it is delivered
required = true                                # false: a cycle delivers at once, as in the first release
reviewers = ["programme-office@example.org"]   # told by email (with the approval code) when a draft is ready
wait_days = 7                                  # how long a Prefect cycle run waits for a decision

# [email]              # delivery of briefings and reminders; absent means no email is sent
# host = "127.0.0.1"
# port = 25
# sender = "cpip-returns@example.org"
# briefing_to = ["private-office@example.org"]
# briefing_attach = "publication"   # publication | restricted | both | none (default never attaches OFFICIAL-SENSITIVE)
# briefing_link = ""                # where the restricted form is kept, e.g. a controlled share
# username = "cpip"                 # the password comes from CPIP_EMAIL_PASSWORD or a Prefect Secret block:
# password_block = "cpip-smtp-password"
# tls = "none"                      # starttls | ssl | none; with TLS the certificate and host name are verified
# ca_file = ""                      # PEM file of the CA(s) to trust instead of the system's, e.g. "private-ca.pem"
# receipts = true                   # email each receipt to the partner's registered contact (and the cover's, same domain)
"""


def resolve_home(home: str | os.PathLike | None, env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if home:
        return Path(home).expanduser().resolve()
    if env.get("CPIP_HOME"):
        return Path(env["CPIP_HOME"]).expanduser().resolve()
    return Path("cpip-home").resolve()


def _coerce(section: str, key: str, raw: Any, typ: Any, source: str) -> Any:
    typ_s = str(typ)
    try:
        if "tuple" in typ_s:
            if isinstance(raw, str):
                raw = [x.strip() for x in raw.split(",") if x.strip()]
            if not isinstance(raw, (list, tuple)) or not all(isinstance(x, str) for x in raw):
                raise ValueError("a list of strings")
            return tuple(raw)
        if "bool" in typ_s:
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in ("1", "true", "yes", "on"):
                return True
            if str(raw).lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError("true or false")
        if "float" in typ_s:
            value = float(raw)
            if value < 0:
                raise ValueError("a number of at least 0")
            return value
        if "int" in typ_s:
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise ValueError("a whole number")
            value = int(raw)
            if value < 0:
                raise ValueError("a whole number of at least 0")
            return value
        if raw is None:
            return None
        if not isinstance(raw, (str, int, float)):
            raise ValueError("a text value")
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(
            f"{source}: [{section}] {key} = {raw!r} is not valid; it must be {exc}."
        ) from None


def _checked_email(email: EmailSettings, home: Path) -> EmailSettings:
    if email.briefing_attach not in ("publication", "restricted", "both", "none"):
        raise SettingsError("[email] briefing_attach must be one of publication, restricted, both, none.")
    if email.tls not in ("starttls", "ssl", "none"):
        raise SettingsError(f"[email] tls = {email.tls!r} is not valid; it must be starttls, ssl or none.")
    if email.starttls and email.tls != "starttls":
        raise SettingsError(f"[email] starttls = true contradicts tls = {email.tls!r}; remove starttls "
                            "(tls replaces it).")
    if email.ca_file:
        ca = Path(email.ca_file).expanduser()
        email = replace(email, ca_file=str(ca if ca.is_absolute() else home / ca))
    return email


def load_settings(home: str | os.PathLike | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings once. Raises :class:`SettingsError` with a message saying what to fix."""
    env = dict(os.environ if env is None else env)
    home_path = resolve_home(home, env)
    toml_path = home_path / "cpip.toml"
    data: dict[str, Any] = {}
    if toml_path.is_file():
        try:
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{toml_path} cannot be read: {exc}. Fix the file or delete it and run `cpip init`.") from None

    sections: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        given = data.get(name)
        env_keys = {f.name: env.get(f"CPIP_{name.upper()}_{f.name.upper()}") for f in fields(cls)}
        if name == "email" and given is None and not any(
            v for k, v in env_keys.items() if k not in ("password", "username")
        ):
            sections[name] = None
            continue
        given = dict(given or {})
        if not isinstance(given, dict):
            raise SettingsError(f"{toml_path}: [{name}] must be a table of keys.")
        kwargs: dict[str, Any] = {}
        known = {f.name: f for f in fields(cls)}
        for key, raw in given.items():
            if key not in known:
                raise SettingsError(
                    f"{toml_path}: [{name}] has an unknown key {key!r}; the keys are {', '.join(sorted(known))}."
                )
            if key == "password":
                raise SettingsError(
                    f"{toml_path}: secrets never go in cpip.toml; remove [email] password and set CPIP_EMAIL_PASSWORD."
                )
            kwargs[key] = _coerce(name, key, raw, known[key].type, str(toml_path))
        for key, raw in env_keys.items():
            if raw is not None and raw != "":
                if key == "password":
                    kwargs[key] = Secret(raw)
                else:
                    kwargs[key] = _coerce(name, key, raw, known[key].type, f"CPIP_{name.upper()}_{key.upper()}")
        sections[name] = cls(**kwargs)

    if sections["email"] is not None:
        sections["email"] = _checked_email(sections["email"], home_path)
    if sections["review"].wait_days < 1:
        raise SettingsError("[review] wait_days must be at least 1.")
    if sections["briefing"].suppress_below < 1:
        raise SettingsError("[briefing] suppress_below must be at least 1.")
    try:
        now = parse_now(env.get("CPIP_NOW"))
    except ValueError:
        raise SettingsError(
            f"CPIP_NOW={env.get('CPIP_NOW')!r} is not an ISO 8601 time; use e.g. 2026-10-15T09:00 or unset it."
        ) from None
    return Settings(home=home_path, now=now, prefect_api_url=env.get("PREFECT_API_URL") or None, **sections)

