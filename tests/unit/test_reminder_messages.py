"""The reminders' words, built without a server (cpip.mail.messages.reminder_messages)."""

from __future__ import annotations

from datetime import datetime

from cpip.collection.picture import ALL_REJECTED, NOTHING_RECEIVED, SentFile, ToChase
from cpip.core.periods import UK, Period
from cpip.core.settings import load_settings
from cpip.mail.messages import FILES_NAMED, reminder_messages

Q3 = Period(2026, 3)


def _settings(tmp_path, toml="", now="2026-10-27T09:00"):
    (tmp_path / "cpip.toml").write_text(toml)
    return load_settings(tmp_path, {"CPIP_NOW": now})


def _file(n, outcome="rejected", part=None):
    return SentFile(n, f"return-{n}.xlsx", datetime(2026, 10, 1 + n, 9, 30, tzinfo=UK), outcome, part,
                    f"/elsewhere/receipts/{n}.html")


def _body(item) -> str:
    return item.msg.get_body(preferencelist=("plain",)).get_content()


def test_many_rejected_files_name_the_latest_and_count_the_rest(tmp_path, ref):
    files = tuple(_file(n) for n in range(1, FILES_NAMED + 3))
    [item] = reminder_messages(_settings(tmp_path), ref, Q3, "before", [ToChase("SSSC", ALL_REJECTED, files)])
    body = _body(item)
    assert item.key == "reminder/2026-Q3/before/SSSC"
    assert "We have your files for Scottish Social Services Council's quarterly return for July to September 2026 " \
           "(2026-Q3), but none of them could be accepted, so nothing from them counts yet" in body
    assert "return-1.xlsx" not in body and "return-2.xlsx" not in body  # the latest five are named
    assert "- return-7.xlsx, received 8 October 2026 at 09:30 (UK time): not accepted" in body
    assert "  Receipt number 7: /elsewhere/receipts/7.html" in body  # outside the home: as it is
    assert "- and 2 earlier files." in body
    assert "by 28 October 2026 (in 1 day)" in body
    assert "If you need help" not in body  # no [intake] help_contact: no one is named


def test_an_accepted_indicators_part_without_progress_is_not_called_rejected(tmp_path, ref):
    files = (_file(1, "accepted", "indicators"), _file(2, "duplicate"))
    s = _settings(tmp_path, '[intake]\nhelp_contact = "Returns team, 0131 244 0000"\n', now="2026-10-29T09:00")
    [item] = reminder_messages(s, ref, Q3, "after", [ToChase("CPC-FIFE", ALL_REJECTED, files)])
    body = _body(item)
    assert "none of them gives us an accepted progress part" in body and "could not be accepted" not in body
    assert "return-1.xlsx, received 2 October 2026 at 09:30 (UK time): accepted (indicators only)" in body
    assert "return-2.xlsx, received 3 October 2026 at 09:30 (UK time): already received" in body
    assert "It was due on 28 October 2026" in body
    assert "If you need help with your return, contact Returns team, 0131 244 0000." in body


def test_every_subject_fits_one_header_line(tmp_path, ref):
    s = _settings(tmp_path, "[cycle]\ndue_days = 60\n")  # the longest quarter and due date in words
    q4 = Period(2026, 4)
    for kind in ("before", "after"):
        for reason in (NOTHING_RECEIVED, ALL_REJECTED):
            files = (_file(1),) if reason == ALL_REJECTED else ()
            [item] = reminder_messages(s, ref, q4, kind, [ToChase("SSSC", reason, files)])
            assert len(f"Subject: {item.msg['Subject']}") <= 78, item.msg["Subject"]
            assert b"Subject:\n" not in item.msg.as_bytes()
