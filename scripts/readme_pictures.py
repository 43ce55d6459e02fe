"""Make the README's pictures of a receipt email, the collection status page and the briefing from real runs.

Usage:  .venv/bin/python scripts/readme_pictures.py [--out docs]

Builds a home in a temporary folder, runs intake on a few returns with a real SMTP server on
127.0.0.1 (aiosmtpd) catching the receipt emails, then screenshots in headless Chromium the HTML
part of one email (as a mail client shows it, under its headers), outbox/status/2026-Q3.html and
the receipt page of a rejected workbook (docs/receipt-rejected.png).
Then makes a demo home (``cpip demo``) and draws page 1 and the first attention page of its
restricted PDF (poppler's pdftoppm) as docs/briefing-page1.png and docs/briefing-attention.png.
"""

from __future__ import annotations

import argparse
import email
import html
import os
import shutil
import sys
import tempfile
from datetime import date
from email import policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class _Catch:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _shot(page_html: Path, png: Path, width: int = 1000, max_height: int | None = None) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": width, "height": 800}, device_scale_factor=1)
            page.goto(page_html.as_uri())
            if max_height is None:
                page.screenshot(path=str(png), full_page=True)
            else:
                height = min(max_height, page.evaluate("document.documentElement.scrollHeight"))
                page.screenshot(path=str(png), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
        finally:
            browser.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "docs"))
    out = Path(ap.parse_args().out)
    from tests.conftest import smtp_on_localhost

    catch = _Catch()
    tmp = Path(tempfile.mkdtemp(prefix="cpip-pictures-"))
    with smtp_on_localhost(catch) as port:
        _pictures(out, tmp, port, catch)
    _briefing_pages(out, tmp)
    shutil.rmtree(tmp, ignore_errors=True)


def _briefing_pages(out: Path, tmp: Path) -> None:
    """Page 1 and page 2 (Needs attention) of the demo's restricted briefing, as the reader sees them."""
    import subprocess

    home = tmp / "demo"
    subprocess.run([str(Path(sys.executable).parent / "cpip"), "demo", "--home", str(home)], check=True,
                   capture_output=True, env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    pdf = home / "outbox" / "briefings" / "2026-Q3" / "restricted" / "cpip-briefing-2026-Q3-restricted.pdf"
    for page, name in ((1, "briefing-page1"), (2, "briefing-attention")):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", "-f", str(page), "-l", str(page), str(pdf),
                        str(out / name)], check=True)


def _pictures(out: Path, tmp: Path, port: int, catch: _Catch) -> None:
    from cpip.app import samples
    from cpip.flows.intake import intake
    from cpip.app.home import init_home
    from cpip.core.periods import Period
    from cpip.reference.tables import load_reference
    from cpip.core.settings import load_settings

    home = tmp / "home"
    home.mkdir()
    (home / "cpip.toml").write_text(
        '[intake]\nsettle_seconds = 0\nofficer_folder = "\\\\\\\\council-share\\\\cpip-returns\\\\{partner_code}"\n'
        'help_contact = "CPIP returns team, cpip-returns@gov.scot.example, 0131 244 0000"\n'
        f'[email]\nhost = "127.0.0.1"\nport = {port}\nsender = "cpip-returns@gov.scot.example"\n')
    init_home(load_settings(home, {}))
    ref = load_reference()
    q3 = Period(2026, 3)
    inbox = home / "inbox"

    def run(now):
        os.environ["CPIP_NOW"] = now
        return intake(home=str(home))

    for n, code in enumerate(("CPC-FIFE", "CPC-DUNDEE", "SCRA", "CPC-ORKNEY", "CARE-INSPECTORATE")):
        r = samples.make_return(ref, code, q3, seed=n)
        samples.write_xlsx(inbox / code / f"{code.lower()}-2026-q3.xlsx", r)
    sg = samples.make_return(ref, "SG-CPIP", q3, seed=3)
    explained = next(r for r in sg.progress if r["item_id"] == "A-SR-2")
    explained.update(status="At risk", percent_complete=60, forecast_completion=date(2027, 3, 31),
                     narrative="The revised guidance is drafted; testing with two pilot areas has slipped.",
                     explanation="The programme board agreed in September to extend the pilot to March 2027 "
                                 "so that both pilot areas can test the guidance over a full reporting cycle.")
    open_query = next(r for r in sg.progress if r["item_id"] == "A-NEG-4")
    open_query.update(status="On track", percent_complete=70, forecast_completion=date(2027, 6, 30))
    samples.write_xlsx(inbox / "SG-CPIP" / "sg-cpip-2026-q3.xlsx", sg)
    celcis = samples.make_return(ref, "CELCIS", q3, seed=8)
    next(r for r in celcis.progress if r["item_id"] == "A-NEG-3").update(
        status="On track", percent_complete=55, forecast_completion=date(2027, 3, 31))  # an open query
    samples.write_progress_csv(inbox / "CELCIS" / "celcis-q3-progress.csv", celcis)
    bad = samples.make_return(ref, "COSLA", q3, seed=4)
    bad.cover["contact_email"] = "returns at cosla"
    bad.progress[0]["status"] = "Amber"
    samples.write_xlsx(inbox / "COSLA" / "cosla-q3-return.xlsx", bad)
    run("2026-10-20T10:12")
    late = samples.make_return(ref, "CHS", q3, seed=5)
    samples.write_progress_csv(inbox / "CHS" / "chs-progress.csv", late)
    run("2026-11-02T09:41")

    msg = next(m for m in catch.messages if "sg-cpip" in m["Subject"])
    body = msg.get_body(preferencelist=("html",)).get_content()
    head = (f'<div style="font-family:Arial,sans-serif;border-bottom:1px solid #b1b4b6;padding:.75rem 1.25rem;'
            f'background:#f3f2f1;font-size:15px;line-height:1.6">'
            + "".join(f"<div><strong>{k}:</strong> {html.escape(str(msg[k]))}</div>"
                      for k in ("From", "To", "Subject")) + "</div>")
    page = tmp / "email.html"
    page.write_text(body.replace("<body>", "<body style=\"margin:0\">" + head, 1), encoding="utf-8")
    out.mkdir(parents=True, exist_ok=True)
    _shot(page, out / "receipt-email.png", width=1000)
    _shot(home / "outbox" / "status" / "2026-Q3.html", out / "status-page.png", width=1200, max_height=1150)
    rejected = next((home / "outbox" / "receipts" / "COSLA").glob("*.html"))
    _shot(rejected, out / "receipt-rejected.png", width=1000)
    print(f"wrote {out / 'receipt-email.png'}, {out / 'status-page.png'} and {out / 'receipt-rejected.png'}")


if __name__ == "__main__":
    main()
