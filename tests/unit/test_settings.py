"""Settings: cpip.toml and CPIP_* variables, read once into frozen pydantic models (cpip/core/settings.py)."""

from __future__ import annotations

import json
import logging
import pickle
import re
from datetime import datetime
from pathlib import Path

import cloudpickle
import pytest
from pydantic import SecretStr, ValidationError

from cpip.core.periods import UK
from cpip.core.settings import SECTIONS, EmailSettings, IntakeSettings, SettingsError, load_settings
from cpip.core.settings_toml import DEFAULT_TOML, commented_toml

SPEC = next((p / "shared" / "spec" / "interfaces.md" for p in Path(__file__).resolve().parents
             if (p / "shared" / "spec" / "interfaces.md").is_file()), None)


def _home(tmp_path: Path, toml: str | None) -> Path:
    if toml is not None:
        (tmp_path / "cpip.toml").write_text(toml, encoding="utf-8")
    return tmp_path


def _values(settings) -> dict:
    """Everything but the clock and the home, as plain data."""
    return settings.model_dump(mode="json", exclude={"now", "home"})


def test_settings_file_env_and_secrets(tmp_path):
    (tmp_path / "cpip.toml").write_text('[cycle]\ndue_days = 30\n[briefing]\nmarking = "OFFICIAL"\n'
                                        '[email]\nhost = "mail.example.org"\nbriefing_to = ["a@example.org"]\n')
    s = load_settings(tmp_path, {"CPIP_CYCLE_DUE_DAYS": "21", "CPIP_EMAIL_PASSWORD": "hunter2",
                                 "CPIP_NOW": "2026-10-15T09:00"})
    assert s.cycle.due_days == 21 and s.briefing.marking == "OFFICIAL"
    assert s.email.host == "mail.example.org" and s.email.briefing_to == ("a@example.org",)
    assert isinstance(s.email.password, SecretStr) and s.email.password.get_secret_value() == "hunter2"
    assert s.now == datetime(2026, 10, 15, 9, 0, tzinfo=UK)
    assert load_settings(tmp_path / "nope", {}).email is None


def test_the_environment_beats_the_file_which_beats_the_defaults(tmp_path):
    home = _home(tmp_path, "[intake]\nsettle_seconds = 3\nlock_timeout_seconds = 9\n")
    s = load_settings(home, {"CPIP_INTAKE_SETTLE_SECONDS": "4", "CPIP_INTAKE_OFFICER_FOLDER": ""})
    assert (s.intake.settle_seconds, s.intake.lock_timeout_seconds, s.intake.officer_folder) == (4, 9, "")
    assert s.cycle.due_days == 28 and s.review.reviewers == ("programme-office@example.org",)


def test_home_and_the_variables_that_work_today(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_settings(None, {}).home == tmp_path / "cpip-home"
    assert load_settings(None, {"CPIP_HOME": str(tmp_path / "h")}).home == tmp_path / "h"
    assert load_settings(tmp_path / "given", {"CPIP_HOME": str(tmp_path / "h")}).home == tmp_path / "given"
    s = load_settings(tmp_path, {"CPIP_REVIEW_REVIEWERS": "a@example.org, b@example.org", "CPIP_REVIEW_REQUIRED": "no",
                                 "PREFECT_API_URL": "http://127.0.0.1:4200/api", "CPIP_CODE_DIR": "/opt/cpip"})
    assert s.review.reviewers == ("a@example.org", "b@example.org") and s.review.required is False
    assert s.prefect_api_url == "http://127.0.0.1:4200/api"
    assert s.warehouse == tmp_path / "warehouse.duckdb" and s.inbox == tmp_path / "inbox"
    assert (s.archive, s.outbox, s.lock_path) == (tmp_path / "archive", tmp_path / "outbox", tmp_path / ".cpip.lock")


@pytest.mark.parametrize("toml,env,configured", [
    (None, {}, False),
    (None, {"CPIP_EMAIL_PASSWORD": "pw", "CPIP_EMAIL_USERNAME": "cpip"}, False),  # credentials alone: no email
    ("[email]\n", {}, True),
    (None, {"CPIP_EMAIL_HOST": "mail.example.org"}, True),
    (None, {"CPIP_EMAIL_HOST": ""}, False),  # an empty variable is unset
])
def test_email_is_absent_unless_configured(tmp_path, toml, env, configured):
    s = load_settings(_home(tmp_path, toml), env)
    assert (s.email is not None) is configured


def test_the_password_never_shows(tmp_path, caplog):
    home = _home(tmp_path, '[email]\nhost = "mail.example.org"\nusername = "cpip"\n')
    s = load_settings(home, {"CPIP_EMAIL_PASSWORD": "hunter2"})
    shown = [repr(s), str(s), f"{s}", f"{s.email.password}", repr(s.email), str(s.email.password),
             json.dumps(s.model_dump(mode="json")), s.model_dump_json(), json.dumps(s.email.model_dump(mode="json"))]
    with caplog.at_level(logging.INFO):
        logging.getLogger("cpip.test").info("settings %s %r", s, s.email)
    shown.append(caplog.text)
    for text in shown:
        assert "hunter2" not in text and "**********" in text
    assert s.email.password.get_secret_value() == "hunter2"


def test_settings_are_frozen_and_picklable(tmp_path):
    s = load_settings(_home(tmp_path, '[email]\nhost = "m"\n'), {"CPIP_EMAIL_PASSWORD": "pw", "CPIP_NOW": "2026-10-15T09:00"})
    with pytest.raises(ValidationError):
        s.cycle = None
    with pytest.raises(ValidationError):
        s.cycle.due_days = 3
    for again in (pickle.loads(pickle.dumps(s)), cloudpickle.loads(cloudpickle.dumps(s))):
        assert again == s and again.email.password.get_secret_value() == "pw"  # a task in another process sends
    assert hash(s) == hash(pickle.loads(pickle.dumps(s)))


def test_a_copy_for_another_warehouse_changes_nothing_else(tmp_path):
    s = load_settings(tmp_path, {})
    into = s.with_warehouse(tmp_path / "warehouse.duckdb.rebuild")
    assert into.warehouse == tmp_path / "warehouse.duckdb.rebuild" and s.warehouse == tmp_path / "warehouse.duckdb"
    assert into.lock_path == s.lock_path and into.archive == s.archive and _values(into) == _values(s)
    assert pickle.loads(pickle.dumps(into)).warehouse == into.warehouse


def test_tls_and_ca_file(tmp_path):
    home = _home(tmp_path, '[email]\nhost = "m"\nstarttls = true\nca_file = "ca.pem"\n')
    s = load_settings(home, {})
    assert s.email.tls == "starttls" and s.email.ca_file == str(tmp_path / "ca.pem")
    assert EmailSettings().tls == "none" and EmailSettings(tls=" SSL ").tls == "ssl"


@pytest.mark.parametrize("toml,env,needles", [
    # a misspelt key names the key, the section and the file, and lists what the section has
    ("[email]\npasword = 'x'\n", {}, ["cpip.toml: [email] has no setting 'pasword'",
                                      "The settings of [email] are: host, port, sender", "Correct the spelling"]),
    ("[cycle]\nwhen = 3\n", {}, ["[cycle] has no setting 'when'", "due_days"]),
    ("[emial]\nhost = 'x'\n", {}, ["cpip.toml: there is no section [emial]", "[email]"]),
    ("due_days = 3\n", {}, ["due_days is not in a section", "[cycle]"]),
    ("intake = 3\n", {}, ["intake must be a section"]),
    # a wrongly typed value names the key and the type it must be
    ("[cycle]\ndue_days = 'soon'\n", {}, ["[cycle] due_days = 'soon' is not valid; it must be a whole number"]),
    ("[cycle]\ndue_days = true\n", {}, ["due_days = true is not valid"]),
    ("[review]\nrequired = 'maybe'\n", {}, ["[review] required = 'maybe' is not valid; it must be true or false"]),
    ("[review]\nwait_days = 0\n", {}, ["wait_days = 0 is not valid; it must be a whole number of at least 1"]),
    ("[email]\nbriefing_to = [{}]\n", {}, ["[email] briefing_to", "a list of text values"]),
    ("[email]\nbriefing_attach = 'all'\n", {}, ["it must be publication, restricted, both or none"]),
    ("[schedule]\ncycle_hour = 24\n", {}, ["cycle_hour = 24 is not valid; it must be a whole number from 0 to 23"]),
    ("[email]\npassword = 'x'\n", {}, ["secrets never go in cpip.toml", "CPIP_EMAIL_PASSWORD"]),
    # the statistics contact is printed for the public to write to: one address, nothing else
    ("[briefing]\nstatistics_contact = 'Statistics team'\n", {},
     ["[briefing] statistics_contact = 'Statistics team' is not valid; it must be one email address"]),
    ("[briefing]\nstatistics_contact = 'a@example.org, b@example.org'\n", {}, ["statistics_contact", "one email address"]),
    ("[briefing]\nstatistics_contact = 'Stats <stats@example.org>'\n", {}, ["statistics_contact", "no name"]),
    ("[briefing]\nstatistics_contact = 'stats@localhost'\n", {}, ["statistics_contact", "one email address"]),
    ("[briefing]\nstatistics_contact = 7\n", {}, ["statistics_contact = 7 is not valid"]),
    # whom officers ask for help is printed on receipts and reminders: one line, bounded
    ("[intake]\nhelp_contact = '%s'\n" % ("x" * 201), {},
     ["[intake] help_contact", "it must be at most 200 characters (this is 201)"]),
    ("[intake]\nhelp_contact = \"CPIP team\\r\\nBcc: all@example.org\"\n", {}, ["help_contact", "text on one line"]),
    ("[cycle\n", {}, ["cpip.toml cannot be read"]),
    # the environment: the variable is named
    ("", {"CPIP_INTAKE_SETTLE_SECONDS": "-1"}, ["CPIP_INTAKE_SETTLE_SECONDS: [intake] settle_seconds = '-1'",
                                                 "a number of at least 0"]),
    ("", {"CPIP_EMAIL_PASWORD": "x"}, ["CPIP_EMAIL_PASWORD: [email] has no setting 'pasword'",
                                       "Correct the variable's name, or unset it"]),
    ("", {"CPIP_EMAIL": "x"}, ["CPIP_EMAIL cannot set [email] as a whole"]),
    ("", {"CPIP_NOW": "yesterday"}, ["CPIP_NOW='yesterday' is not valid", "ISO 8601"]),
])
def test_bad_settings_say_what_to_fix(tmp_path, toml, env, needles):
    with pytest.raises(SettingsError) as err:
        load_settings(_home(tmp_path, toml), env)
    for needle in needles:
        assert needle in str(err.value)
    assert "Traceback" not in str(err.value) and "pydantic" not in str(err.value)


def test_every_mistake_is_named_once(tmp_path):
    with pytest.raises(SettingsError) as err:
        load_settings(_home(tmp_path, "[email]\nport = 'x'\nsendr = 'a'\n[cycle]\ndue_days = -1\n"), {})
    lines = str(err.value).splitlines()
    assert len(lines) == 3 and not any("[email] tls" in line for line in lines)  # its default is no mistake


def test_the_statistics_contact_is_one_address_from_the_file_or_the_environment(tmp_path):
    assert load_settings(tmp_path, {}).briefing.statistics_contact == "statistics@example.org"
    home = _home(tmp_path, "[briefing]\nstatistics_contact = ' cpip.statistics@gov.scot '\n")
    assert load_settings(home, {}).briefing.statistics_contact == "cpip.statistics@gov.scot"
    got = load_settings(home, {"CPIP_BRIEFING_STATISTICS_CONTACT": "stats+cpip@example.org"})
    assert got.briefing.statistics_contact == "stats+cpip@example.org"


def test_the_help_contact_is_empty_unless_set_and_trimmed(tmp_path):
    assert load_settings(tmp_path, {}).intake.help_contact == ""
    home = _home(tmp_path, "[intake]\nhelp_contact = '  CPIP returns team, 0131 244 0000 '\n")
    assert load_settings(home, {}).intake.help_contact == "CPIP returns team, 0131 244 0000"


def test_other_cpip_variables_are_ignored(tmp_path):
    s = load_settings(tmp_path, {"CPIP_CODE_DIR": "/opt/cpip", "CPIP_SOMETHING_ELSE": "1", "CPIP_": "x"})
    assert _values(s) == _values(load_settings(tmp_path, {}))


def test_the_written_file_is_the_defaults_and_names_every_setting(tmp_path):
    assert DEFAULT_TOML == commented_toml()
    defaults = _values(load_settings(tmp_path / "bare", {}))
    assert _values(load_settings(_home(tmp_path, DEFAULT_TOML), {})) == defaults
    for section, model in SECTIONS.items():
        assert re.search(rf"^(# )?\[{section}\]$", DEFAULT_TOML, re.M), section
        for key, field in model.model_fields.items():
            assert re.search(rf"^# {key}( = |: )", DEFAULT_TOML, re.M), (section, key)
            assert " ".join(field.description.split())[:40] in " ".join(DEFAULT_TOML.replace("# ", "").split()), key


def test_every_line_of_the_written_file_uncommented_still_reads_as_the_defaults(tmp_path):
    text = re.sub(r"^# (\[email\]$|[a-z_]+ = )", r"\1", DEFAULT_TOML, flags=re.M)
    s = load_settings(_home(tmp_path, text), {})
    for section, model in SECTIONS.items():
        got = getattr(s, section)
        for key, field in model.model_fields.items():
            if field.json_schema_extra and field.json_schema_extra.get("secret"):
                assert getattr(got, key) is None
            elif field.default is None:
                assert getattr(got, key) == field.examples[0], (section, key)
            elif key == "ca_file":
                assert got.ca_file == ""
            else:
                assert getattr(got, key) == field.get_default(call_default_factory=True, validated_data={})


@pytest.mark.skipif(SPEC is None, reason="shared/spec/interfaces.md is not beside this checkout")
def test_the_keys_interfaces_md_lists_are_understood_with_its_defaults(tmp_path):
    spec = SPEC.read_text(encoding="utf-8")
    block = re.search(r"At least these keys.*?```toml\n(.*?)```", spec, re.S).group(1)
    review = re.search(r"```toml\n(\[review\].*?)```", spec, re.S).group(1)
    s = load_settings(_home(tmp_path, block + review), {"CPIP_CYCLE_DUE_DAYS": "30", "CPIP_EMAIL_HOST": "m.example"})
    assert (s.cycle.due_days, s.email.host) == (30, "m.example")  # the spec's two examples of variables
    assert s.email.briefing_to == ("private-office@example.org",) and s.reference.register == "reference/register.csv"
    bare = load_settings(tmp_path / "bare", {"CPIP_EMAIL_HOST": "127.0.0.1"})
    for section in ("intake", "briefing", "review"):
        assert getattr(s, section) == getattr(bare, section), section
    assert s.email.model_copy(update={"host": "127.0.0.1", "briefing_to": ()}) == bare.email


def test_folder_words():
    assert IntakeSettings().folder_for("CELCIS") == "inbox/CELCIS/"
    assert IntakeSettings(officer_folder=" https://f.example/{partner_code}/ ").folder_for("SSSC") == \
        "https://f.example/SSSC/"


@pytest.mark.parametrize("toml,env,needles", [
    # numbers: never infinite, never absurd (these crashed intake with OverflowError, or switched things off)
    ("[intake]\nsettle_seconds = inf\n", {}, ["[intake] settle_seconds = inf is not valid",
                                              "a number of at least 0 and at most 3,600"]),
    ("[intake]\nsettle_seconds = nan\n", {}, ["settle_seconds = nan is not valid"]),
    ("", {"CPIP_INTAKE_SETTLE_SECONDS": "inf"}, ["CPIP_INTAKE_SETTLE_SECONDS: [intake] settle_seconds = 'inf'"]),
    ("[intake]\nlock_timeout_seconds = 1e300\n", {}, ["lock_timeout_seconds", "at most 3,600"]),
    ("[cycle]\ndue_days = 99999999\n", {}, ["[cycle] due_days = 99999999 is not valid",
                                            "a whole number of at least 0 and at most 366"]),
    ("[schedule]\nintake_every_minutes = 100000\n", {}, ["intake_every_minutes", "at most 1,440"]),
    ("[schedule]\nreminder_days_before = 5000\n", {}, ["reminder_days_before", "at most 90"]),
    ("[review]\nwait_days = 36500\n", {}, ["wait_days = 36500 is not valid", "at most 90"]),
    ("[email]\ntimeout_seconds = inf\n", {}, ["[email] timeout_seconds = inf", "at most 600"]),
    # suppression is never off; the restricted form is never unmarked
    ("[briefing]\nsuppress_below = 1\n", {}, ["[briefing] suppress_below = 1 is not valid", "at least 2"]),
    ("[briefing]\nsuppress_below = 0\n", {}, ["suppress_below = 0 is not valid"]),
    ("[briefing]\nmarking = \"\"\n", {}, ["[briefing] marking = '' is not valid", "security marking"]),
    ("", {"CPIP_BRIEFING_MARKING": " "}, ["CPIP_BRIEFING_MARKING: [briefing] marking", "security marking"]),
    # no line breaks in text that goes into email headers (or anywhere else)
    ("[email]\nsender = \"cpip@example.org\\r\\nBcc: someone@example.net\"\n", {},
     ["[email] sender = 'cpip@example.org\\r\\nBcc: someone@example.net' is not valid", "text on one line"]),
    ("[briefing]\nprogramme = \"CPIP\\nBcc: x@example.net\"\n", {}, ["[briefing] programme", "text on one line"]),
    ("[briefing]\nmarking = \"OFFICIAL\\r\\nX-Evil: 1\"\n", {}, ["[briefing] marking", "text on one line"]),
    ("[email]\nbriefing_to = [\"a@example.org\\nBcc: x@example.net\"]\n", {}, ["[email] briefing_to", "one line"]),
    ("[review]\nreviewers = [\"a@example.org\\r\"]\n", {}, ["[review] reviewers", "one line"]),
    ("", {"CPIP_EMAIL_SENDER": "a@example.org\nBcc: x@example.net"}, ["CPIP_EMAIL_SENDER", "one line"]),
])
def test_unsafe_or_absurd_settings_are_refused_by_name(tmp_path, toml, env, needles):
    with pytest.raises(SettingsError) as err:
        load_settings(_home(tmp_path, toml), env)
    for needle in needles:
        assert needle in str(err.value), str(err.value)


def test_the_bounds_still_take_sensible_values(tmp_path):
    s = load_settings(_home(tmp_path, "[intake]\nsettle_seconds = 3600\n[cycle]\ndue_days = 366\n"
                                      "[briefing]\nsuppress_below = 2\nmarking = \" OFFICIAL \"\n"
                                      "[review]\nwait_days = 90\n"), {})
    assert (s.intake.settle_seconds, s.cycle.due_days, s.briefing.suppress_below, s.review.wait_days) == (3600, 366, 2, 90)
    assert s.briefing.marking == "OFFICIAL"


def test_a_cpip_toml_that_is_not_a_regular_file_is_an_error_not_silence(tmp_path):
    folder = tmp_path / "folder"
    (folder / "cpip.toml").mkdir(parents=True)
    device = tmp_path / "device"
    device.mkdir()
    (device / "cpip.toml").symlink_to("/dev/zero")
    dangling = tmp_path / "dangling"
    dangling.mkdir()
    (dangling / "cpip.toml").symlink_to(dangling / "nowhere.toml")
    huge = _home(tmp_path / "huge", None)
    huge.mkdir()
    (huge / "cpip.toml").write_text("# " + "x" * 2_000_000 + "\n")
    for home, words in ((folder, "is a folder"), (device, "is not a regular file"), (dangling, "is a link to nothing"),
                        (huge, "far more than settings take")):
        with pytest.raises(SettingsError, match=words) as err:
            load_settings(home, {})
        assert str(home / "cpip.toml") in str(err.value) and "cpip init" in str(err.value)
    # A link to a regular file is followed, as before.
    linked = tmp_path / "linked"
    linked.mkdir()
    (tmp_path / "shared.toml").write_text("[cycle]\ndue_days = 21\n")
    (linked / "cpip.toml").symlink_to(tmp_path / "shared.toml")
    assert load_settings(linked, {}).cycle.due_days == 21
