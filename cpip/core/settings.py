"""One typed settings object, read once from ``<home>/cpip.toml`` and the environment.

Each ``[section]`` of ``cpip.toml`` is one frozen pydantic model below (:class:`IntakeSettings`
is ``[intake]``, and so on); :class:`Settings` holds them, with the home and the clock. The
models are the one home of every setting: its name, type, bounds, default and the words that
explain it. ``cpip init`` writes ``cpip.toml`` from them (:mod:`cpip.core.settings_toml`), and the
error messages (:mod:`cpip.core.settings_errors`) name what they list.

**Where a value comes from**, highest first:

1. the environment: ``CPIP_<SECTION>_<KEY>`` in capitals sets one key (``CPIP_CYCLE_DUE_DAYS=30``,
   ``CPIP_EMAIL_HOST``), read by pydantic-settings' environment source; a list is written with
   commas (``CPIP_EMAIL_BRIEFING_TO=a@example.org,b@example.org``); an empty variable counts as
   unset. ``CPIP_NOW`` sets the clock (ISO 8601; UK time when no offset is given);
2. ``cpip.toml`` in the home;
3. the defaults below.

The home itself is ``--home``, else ``CPIP_HOME``, else ``./cpip-home``. ``PREFECT_API_URL``
is read as Prefect reads it.

**Mistakes are refused**, as :class:`SettingsError`, with a message that names the setting, its
section and where it came from (the file, or the variable) and says what to do: a misspelt key
or section (every model forbids extra keys), a value of the wrong type or out of bounds, a key
outside any section, and a password in the file. A ``CPIP_<SECTION>_<KEY>`` variable whose section
is one of cpip.toml's but whose key is not is refused the same way (``CPIP_EMAIL_PASWORD`` would
otherwise leave the password unset without a word). Any other ``CPIP_*`` variable is ignored:
``CPIP_CODE_DIR`` is read by ``prefect.yaml``, not here, and other tools may set their own.

**Secrets.** The SMTP password comes only from ``CPIP_EMAIL_PASSWORD`` (or a Prefect Secret block
named in ``[email] password_block``), never from the file. It is a pydantic ``SecretStr``: repr,
str, f-strings, ``model_dump(mode="json")`` and logs show ``**********``; only
``get_secret_value()``, in :func:`cpip.mail.transport.smtp_password`, reads it. A pickle keeps it (a
Prefect task in another process needs it); nothing persists settings.

``[email]`` is absent (``settings.email is None``, no email is sent) unless ``cpip.toml`` has an
``[email]`` section or a ``CPIP_EMAIL_*`` variable other than the username and password is set.
"""

from __future__ import annotations

import os
import warnings
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError,
                      field_validator, model_validator)
from pydantic_settings import (BaseSettings, EnvSettingsSource, InitSettingsSource, SettingsConfigDict,
                               TomlConfigSettingsSource)
from pydantic_settings import SettingsError as SourceError
from pydantic_settings.sources.utils import parse_env_vars

from cpip.core.periods import parse_now
from cpip.core.settings_checks import (Addresses, Email, Hour, Seconds, Whole, at_most, at_most_text, check_file, moment, one_line,
                                        security_marking, word)
from cpip.core.settings_errors import SettingsError, explain, is_secret, sections_listed, unwrap_optional


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", coerce_numbers_to_str=True)
    _one_line = field_validator("*")(classmethod(lambda cls, value: one_line(value)))  # every setting's text


# pydantic warns that the field ``register`` shadows ABCMeta.register, a class method nothing here calls.
warnings.filterwarnings("ignore", message='Field name "register" in "ReferenceSettings" shadows', category=UserWarning)


class ReferenceSettings(_Section):
    """The reference data. Each file is optional: the CPIP files shipped with cpip are the default.
    A relative path is in the home."""

    register: str | None = Field(None, description="The register of items.",
                                 examples=["reference/register.csv"])
    partners: str | None = Field(None, description="The partners, their names and contact emails.",
                                 examples=["reference/partners.csv"])
    assignments: str | None = Field(None, description="Which partner leads or contributes to which item.",
                                    examples=["reference/assignments.csv"])
    indicators: str | None = Field(None, description="The national indicators.",
                                   examples=["reference/indicators.csv"])


def officer_folder(template: str, partner_code: str) -> str:
    """``template`` with ``{partner_code}`` filled in (plain substitution: no other braces are read),
    or ``inbox/<partner code>/`` when it is empty."""
    if not template.strip():
        return f"inbox/{partner_code}/"
    return template.strip().replace("{partner_code}", partner_code)


class IntakeSettings(_Section):
    """Taking files from the inbox."""

    settle_seconds: at_most(Seconds, 3600) = Field(1.0, description="A file is taken once it has been unchanged "
                                                                    "for this many seconds.")
    lock_timeout_seconds: at_most(Seconds, 3600) = Field(
        120.0, description="How long a second run waits, in seconds, for the first to finish before giving up.")
    officer_folder: str = Field(
        "", description="How officers reach their drop folder from their desk, as templates, receipts, reminders "
                        "and emails name it: a share path or a web address, with {partner_code} standing for the "
                        "partner, e.g. \"\\\\\\\\council-share\\\\cpip\\\\{partner_code}\" or "
                        "\"https://files.example.org/cpip/{partner_code}/\". Empty means the folder's name in the "
                        "home, inbox/<partner code>/.")

    # Bounds on one file's cost: the watchdog (cpip/intake/guard.py) and what is kept of an oversized file.
    watchdog_seconds: Seconds = Field(60.0, ge=1, le=3600, description="Seconds reading or checking a file may take before it is stopped and faulted.")
    watchdog_memory_mb: Whole = Field(1024, ge=256, le=65536, description="MB of memory reading or checking a file may add before it is stopped and faulted.")
    oversize_keep_bytes: Whole = Field(65536, ge=0, le=10_000_000, description="Bytes kept (the start, with its SHA-256) of a file refused for its size.")

    help_contact: at_most_text(200) = Field(
        "", description="Whom an officer asks for help with a return, as receipts and reminders print it: a name, "
                        "a mailbox or a telephone number, e.g. \"CPIP returns team, cpip-returns@example.org, "
                        "0131 244 0000\". Empty means receipts name no one.")

    def folder_for(self, partner_code: str) -> str:
        """The partner's drop folder in the words its officers see (:attr:`officer_folder`)."""
        return officer_folder(self.officer_folder, partner_code)


class CycleSettings(_Section):
    """Closing a period."""

    due_days: at_most(Whole, 366) = Field(28, ge=0, description="A return is due this many days after its period ends.")


class BriefingSettings(_Section):
    """The briefing to the Minister's private office."""

    marking: Annotated[str, AfterValidator(security_marking)] = Field(
        "OFFICIAL-SENSITIVE", description="Printed at the top and bottom of every page of the restricted form.")
    suppress_below: at_most(Whole, 100) = Field(5, ge=2, description="Publication form: CPC-level values from 1 "
                                                                    "to this minus 1 are shown as [c].")
    programme: str = Field("Child Protection Improvement Programme",
                           description="The programme's name as printed on briefings and receipts.")
    headline_indicators: tuple[str, ...] = Field(
        ("ON_REGISTER_END", "REGISTRATIONS"),
        description="The indicators page 1 leads with, most important first (ids from indicators.csv); ids the "
                    "programme does not have are ignored, and none at all means indicators.csv order.")
    statistics_contact: Email = Field(
        "statistics@example.org",
        description="One email address the public can write to about the published figures, printed in the "
                    "publication form's About these statistics and on its spreadsheet's cover. The default is a "
                    "placeholder: set the programme's own address before a briefing is published.")


class ScheduleSettings(_Section):
    """When `cpip serve` and the deployments in prefect.yaml run each flow (UK time)."""

    intake_every_minutes: at_most(Whole, 1440) = Field(5, ge=1, description="An intake runs this often (and soon "
                                                                           "after a file lands, under `cpip serve`).")
    cycle_hour: Hour = Field(6, description="The cycle runs at this hour on the day after each due date.")
    reminder_days_before: at_most(Whole, 90) = Field(
        7, ge=0, description="The first reminder goes this many days before the due date; the second the day after it.")
    reminder_hour: Hour = Field(9, description="Reminders go at this hour.")
    templates_hour: Hour = Field(7, description="Templates for the quarter just ended are written at this hour "
                                                "on the first day of the next.")


class ReviewSettings(_Section):
    """A named person in the programme office approves every briefing before it is delivered."""

    required: bool = Field(True, description="false: a cycle delivers the briefing at once, with no approval.")
    reviewers: Addresses = Field(("programme-office@example.org",),
                                 description="Told by email (with the approval code) when a draft is ready.")
    wait_days: at_most(Whole, 90) = Field(7, ge=1, description="How long a Prefect cycle run waits for a decision.")


class EmailSettings(_Section):
    """Delivery of briefings, reminders and receipts. Absent means no email is sent: to send email,
    remove the "# " in front of [email] and of the settings you change."""

    host: str = Field("127.0.0.1", description="The SMTP server.")
    port: Whole = Field(25, ge=0, le=65535, description="Its port: usually 587 with starttls, 465 with ssl.")
    sender: str = Field("cpip-returns@example.org", description="The From address.")
    briefing_to: Addresses = Field((), description="Who receives the briefing, e.g. "
                                                   "[\"private-office@example.org\"].")
    briefing_attach: Annotated[Literal["publication", "restricted", "both", "none"], BeforeValidator(word)] = Field(
        "publication", description="Which form of the briefing is attached. The default never attaches "
                                   "OFFICIAL-SENSITIVE material: the restricted form is linked instead.")
    briefing_link: str = Field("", description="Where the restricted form is kept, for the link in the message "
                                               "(e.g. a controlled share). Empty means its path in the outbox.")
    username: str | None = Field(None, description="The SMTP login, if the server asks for one.",
                                 examples=["cpip"])
    password: SecretStr | None = Field(
        None, description="Set CPIP_EMAIL_PASSWORD in the environment, or name a Prefect Secret block in "
                          "password_block.", json_schema_extra={"secret": True})
    password_block: str | None = Field(None, description="The name of a Prefect Secret block holding the password.",
                                       examples=["cpip-smtp-password"])
    # starttls comes before tls: tls's default is read from it.
    starttls: bool = Field(False, description="The older spelling of tls = \"starttls\", still read; use tls.")
    tls: Annotated[Literal["starttls", "ssl", "none"], BeforeValidator(word)] = Field(
        default_factory=lambda data: "starttls" if data.get("starttls") else "none",
        description="How the connection is secured: starttls (a plain connection upgraded, usually port 587), ssl "
                    "(TLS from the first byte, SMTPS, usually port 465) or none. With TLS the server's certificate "
                    "and host name are always verified. The default is none (starttls when starttls = true).")
    ca_file: str = Field("", description="A PEM file of the certificate authorities to trust instead of the "
                                         "system's (e.g. a private CA); a relative path is in the home. Empty means "
                                         "the system's trusted CAs.")
    timeout_seconds: at_most(Seconds, 600) = Field(30.0, description="How long to wait for the server, in seconds.")
    receipts: bool = Field(True, description="Email every receipt to the partner's registered contact (and the "
                                             "cover's, when it has the same domain).")

    @field_validator("tls", mode="before")
    @classmethod
    def _tls_default(cls, value: Any, info) -> Any:
        if isinstance(value, str) and not value.strip():  # empty means the default, as when the key is absent
            return "starttls" if info.data.get("starttls") else "none"
        return value

    @model_validator(mode="after")
    def _tls_agrees(self) -> EmailSettings:
        if self.starttls and self.tls != "starttls":
            raise ValueError(f"starttls = true contradicts tls = {self.tls!r}; remove starttls (tls replaces it).")
        return self


class Settings(BaseSettings):
    """Every setting of one home, read once (:func:`load_settings`) and passed down. Immutable."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid", env_prefix="CPIP_", env_nested_delimiter="_",
                                      env_nested_max_split=1, env_ignore_empty=True, case_sensitive=False)

    home: Path
    now: Annotated[datetime, BeforeValidator(moment)] = Field(default_factory=lambda: parse_now(None))
    reference: ReferenceSettings = ReferenceSettings()
    intake: IntakeSettings = IntakeSettings()
    cycle: CycleSettings = CycleSettings()
    briefing: BriefingSettings = BriefingSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    review: ReviewSettings = ReviewSettings()
    email: EmailSettings | None = None
    # Set when PREFECT_API_URL names a Prefect server: CLI runs are then
    # orchestrated (and visible) there; otherwise the same flow body runs in-process.
    prefect_api_url: str | None = None
    _warehouse: Path | None = PrivateAttr(None)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        # Settings(...) is a plain value; load_settings chooses the sources for one home and environment.
        return (init_settings,)

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
        return self._warehouse or self.home / "warehouse.duckdb"

    @property
    def lock_path(self) -> Path:
        return self.home / ".cpip.lock"

    def with_warehouse(self, path: Path) -> Settings:
        """The same settings, reading and writing the warehouse at ``path`` (a rebuild makes a new one beside
        the home's); everything else, the lock included, stays the home's."""
        copy = self.model_copy()
        copy._warehouse = Path(path)
        return copy

    def reference_path(self, name: str) -> Path | None:
        value = getattr(self.reference, name)
        if value is None:
            return None
        p = Path(value)
        return p if p.is_absolute() else self.home / p


# The sections of cpip.toml, in the order of Settings' fields.
SECTIONS: dict[str, type[_Section]] = {
    name: unwrap_optional(f.annotation) for name, f in Settings.model_fields.items()
    if isinstance(unwrap_optional(f.annotation), type) and issubclass(unwrap_optional(f.annotation), _Section)}


def resolve_home(home: str | os.PathLike | None, env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if home:
        return Path(home).expanduser().resolve()
    if env.get("CPIP_HOME"):
        return Path(env["CPIP_HOME"]).expanduser().resolve()
    return Path("cpip-home").resolve()


class _Environment(EnvSettingsSource):
    """pydantic-settings' environment source over the mapping given to :func:`load_settings` (os.environ
    unless a test passes its own). The username and password alone do not switch email on."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str], email_in_file: bool):
        self._environ = environ
        self._email_in_file = email_in_file
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)

    def __call__(self) -> dict[str, Any]:
        values = super().__call__()
        email = values.get("email")
        if not self._email_in_file and isinstance(email, dict) and set(email) <= {"username", "password"}:
            del values["email"]
        return values


def _read_file(path: Path) -> TomlConfigSettingsSource:
    """pydantic-settings' TOML source for ``path``, once its top level is known to hold only sections."""
    try:
        source = TomlConfigSettingsSource(Settings, toml_file=check_file(path))
    except (ValueError, UnicodeDecodeError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise SettingsError(f"{path} cannot be read: {exc}. Fix the file or delete it and run `cpip init`.") from None
    for key, value in source.toml_data.items():
        if key in SECTIONS and not isinstance(value, dict):
            raise SettingsError(f"{path}: {key} must be a section: write [{key}] on a line of its own, with its "
                                "settings on the lines below it.")
        if key not in SECTIONS and isinstance(value, dict):
            raise SettingsError(f"{path}: there is no section [{key}]. The sections are "
                                f"{sections_listed(SECTIONS)}. Correct the section's name, or remove it.")
        if key not in SECTIONS:
            raise SettingsError(f"{path}: {key} is not in a section. Every setting goes under its section, one of "
                                f"{sections_listed(SECTIONS)}: move it there, or remove it.")
    for section, model in SECTIONS.items():
        for key in source.toml_data.get(section, {}):
            if key in model.model_fields and is_secret(model.model_fields[key]):
                raise SettingsError(f"{path}: secrets never go in cpip.toml; remove [{section}] {key} and set "
                                    f"CPIP_{section.upper()}_{key.upper()}.")
    return source


def load_settings(home: str | os.PathLike | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings once. Raises :class:`SettingsError` with a message saying what to fix."""
    env = dict(os.environ if env is None else env)
    home_path = resolve_home(home, env)
    toml_path = home_path / "cpip.toml"
    file = _read_file(toml_path)
    chosen = InitSettingsSource(Settings, {"home": home_path, "prefect_api_url": env.get("PREFECT_API_URL") or None})
    environment = _Environment(Settings, env, email_in_file="email" in file.toml_data)
    try:
        settings = Settings(_build_sources=((chosen, environment, file), {}))
    except ValidationError as exc:
        raise SettingsError(explain(exc, SECTIONS, toml_path, file.toml_data, env)) from None
    except SourceError as exc:
        raise SettingsError(f"{exc}. Set one setting in each variable, as CPIP_<SECTION>_<KEY> (e.g. "
                            "CPIP_EMAIL_HOST), or unset it.") from None
    email = settings.email
    if email is not None and email.ca_file:
        ca = Path(email.ca_file).expanduser()
        email = email.model_copy(update={"ca_file": str(ca if ca.is_absolute() else home_path / ca)})
        settings = settings.model_copy(update={"email": email})
    return settings
