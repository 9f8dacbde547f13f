"""On a 390-pixel phone the pages read down the screen: nothing scrolls sideways, a choice's
description sits on its own line under the choice's words (not squeezed beside them), and each
row of a list is a card whose cells wrap inside the screen."""

from __future__ import annotations

import pytest

from tests.e2e.seeded_site import DEPUTY, Page, open_as, seed
from tests.report_helpers import REFERRER, SUPERVISOR
from tests.visit_helpers import CASEY

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# Everything inside the page that is drawn outside the screen (hidden helpers aside).
OUTSIDE_THE_SCREEN = """() => {
  const width = document.documentElement.clientWidth, found = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('thead, .visually-hidden, .skip, [aria-hidden=true], script, style')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.left < -1 || box.right > width + 1) {
      found.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className}`
        + ` [${Math.round(box.left)}, ${Math.round(box.right)}]: ${el.textContent.trim().slice(0, 40)}`);
    }
  }
  return found;
}"""

# Each choice that has a description: where its box, its words and its description are drawn.
CHOICES = """() => Array.from(document.querySelectorAll('label.check')).filter(l => l.querySelector('.hint')).map(label => {
  const input = label.querySelector('input'), hint = label.querySelector('.hint');
  const words = Array.from(label.childNodes).find(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
  const range = document.createRange(); range.selectNodeContents(words);
  const w = range.getBoundingClientRect(), i = input.getBoundingClientRect(), h = hint.getBoundingClientRect();
  const l = label.getBoundingClientRect();
  return {name: words.textContent.trim().slice(0, 40), input: [i.left, i.right, i.top, i.bottom],
          words: [w.left, w.right, w.top, w.bottom], hint: [h.left, h.right, h.top, h.bottom],
          label: [l.left, l.right], width: document.documentElement.clientWidth};
})"""

# Each row of a list, and how its cells are laid out.
ROWS = """() => Array.from(document.querySelectorAll('.table-scroll')).map(box => ({
  overflow: box.scrollWidth - box.clientWidth,
  rows: Array.from(box.querySelectorAll('tbody tr')).map(tr => ({
    display: getComputedStyle(tr).display,
    labels: Array.from(tr.querySelectorAll('td[data-label]')).filter(td => td.offsetParent !== null)
      .map(td => getComputedStyle(td, '::before').content),
  })),
}))"""


def phone_pages(site) -> list[Page]:
    r, v = site.referrals, site.visits
    return [
        Page("sign-in: accounts with their emails", "/signin", None),
        Page("referral form: types of contact", "/referrals/new", REFERRER),
        Page("report form: levels of supervision", f"/visits/{v['draft']}/report", CASEY),
        Page("report decision", f"/visits/{v['submitted']}/report", SUPERVISOR),
        Page("referral decision", f"/referrals/{r['under_review']}", SUPERVISOR),
        Page("approval page", site.links["under_review"], None),
        Page("approval page, someone else's", site.links["under_review"], DEPUTY),
        Page("referral list", "/referrals", SUPERVISOR),
        Page("my referrals", "/referrals", REFERRER),
        Page("decisions queue", "/decisions", SUPERVISOR),
        Page("my visits", "/visits/mine", CASEY),
        Page("visits this week", "/visits/week", SUPERVISOR),
        Page("a referral's visits and history", f"/referrals/{r['active']}", SUPERVISOR),
        Page("an approved report's history", f"/visits/{v['approved']}/report", SUPERVISOR),
        Page("audit log", "/audit", "admin@familycontact.example"),
    ]


def choice_problems(choice: dict) -> list[str]:
    """A description under its choice's words, in the words' column, inside the screen."""
    input_left, input_right, _, _ = choice["input"]
    words_left, _, words_top, words_bottom = choice["words"]
    hint_left, hint_right, hint_top, _ = choice["hint"]
    label_left, label_right = choice["label"]
    problems = []
    if hint_top < words_bottom - 1:
        problems.append("description beside the words, not under them")
    if abs(hint_left - words_left) > 1 or hint_left < input_right:
        problems.append("description not lined up under the words")
    if hint_right > choice["width"] + 1 or label_left < 0:
        problems.append("description outside the screen")
    if hint_right - hint_left < 0.9 * (label_right - words_left):
        problems.append("description squeezed into a narrow column")
    return [f"{choice['name']!r}: {p}" for p in problems]


def test_pages_read_down_a_phone_screen(live_server, runtime, client, auth, page):
    # GIVEN a service with referrals, visits and reports, on a 390-pixel phone
    site = seed(client, auth, runtime)
    page.set_viewport_size(PHONE)
    sessions, failures, choices_seen, rows_seen = {}, [], 0, 0

    for spec in phone_pages(site):
        # WHEN each page is opened as the person who uses it
        open_as(page, live_server, spec.who, sessions)
        page.goto(live_server + spec.path)

        # THEN nothing scrolls sideways and nothing is drawn outside the screen
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        if scroll_width > PHONE["width"]:
            failures.append(f"{spec.name}: the page is {scroll_width} pixels wide")
        failures += [f"{spec.name}: outside the screen: {item}" for item in page.evaluate(OUTSIDE_THE_SCREEN)]

        # AND each choice's description reads under the choice's words
        for choice in page.evaluate(CHOICES):
            choices_seen += 1
            failures += [f"{spec.name}: {problem}" for problem in choice_problems(choice)]

        # AND each list is a column of cards, each cell naming its column
        for table in page.evaluate(ROWS):
            if table["overflow"] > 1:
                failures.append(f"{spec.name}: a list scrolls sideways by {table['overflow']} pixels")
            for row in table["rows"]:
                rows_seen += 1
                if row["display"] != "block" or not row["labels"] or "none" in row["labels"]:
                    failures.append(f"{spec.name}: a row is not a card naming its cells: {row}")

    assert failures == [], "\n".join(failures)
    assert choices_seen >= 10 and rows_seen >= 10, (choices_seen, rows_seen)  # the pages showed what is measured
