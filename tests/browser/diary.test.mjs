// The diary in a real browser (issue 15, item 14): the link worker books an appointment on a
// person's page (a refused form first), sees it on "Your day", prints the letter, and makes
// a private calendar link whose feed names people by initials only. Every page is checked
// with axe-core at desktop and phone widths.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, signIn, check, open, submit } from "./lib.mjs";

/** A time ten minutes from now as London's clocks show it: date boxes and "HH:MM". */
function londonSoon() {
  const soon = new Date(Date.now() + 10 * 60 * 1000);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/London", year: "numeric", month: "numeric", day: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(soon).map((p) => [p.type, p.value]),
  );
  const today = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", day: "numeric" }).format(new Date());
  return { ...parts, time: `${parts.hour}:${parts.minute}`, sameDay: String(Number(parts.day)) === today };
}

/** Follows a link and waits for the page it opens. */
async function follow(page, link) {
  await Promise.all([page.waitForNavigation(), link.click()]);
}

test("book an appointment, see it on Your day, print the letter, subscribe", async () => {
  const browser = await launch();
  try {
    const lw = await signIn(browser, "linkworker");
    await check(lw, "diary-your-day-before");

    // A person with an open referral.
    await lw.goto(`${BASE}/caseload?state=active`);
    const first = lw.locator("table.table tbody tr td a").first();
    const name = (await first.innerText()).trim();
    await follow(lw, first);
    let panel = await open(lw, "Book an appointment");
    await check(lw, "diary-booking-form");

    // Nothing filled in: the error summary, and the page title says so.
    await submit(panel, "Book appointment");
    const summary = lw.locator(".error-summary");
    await assert.doesNotReject(summary.waitFor());
    assert.match(await lw.title(), /^Error: /);
    assert.match(await summary.innerText(), /Enter a real date/);
    await check(lw, "diary-booking-errors");

    // A good booking, ten minutes from now.
    const soon = londonSoon();
    panel = await open(lw, "Book an appointment");
    await panel.getByLabel("Day", { exact: true }).fill(soon.day);
    await panel.getByLabel("Month", { exact: true }).fill(soon.month);
    await panel.getByLabel("Year", { exact: true }).fill(soon.year);
    await panel.getByLabel("Time", { exact: true }).fill(soon.time);
    await panel.getByLabel("How long, in minutes").fill("45");
    await panel.getByLabel("How", { exact: true }).selectOption("in_person");
    await panel.getByLabel("Where").fill("Central Library, Room 2");
    await panel.getByLabel(/What to bring/).fill("Your glasses and any letters about your benefits");
    await submit(panel, "Book appointment");
    const booked = lw.locator("ul.appointments li").filter({ hasText: "Central Library, Room 2" });
    assert.equal(await booked.count(), 1, "the appointment is listed under the referral");
    assert.match(await booked.innerText(), new RegExp(`${soon.time} to `));
    const letterHref = await booked.getByRole("link", { name: /^Letter/ }).getAttribute("href");
    await check(lw, "diary-person-booked");

    // Your day lists it with the person's name, in time order.
    await follow(lw, lw.getByRole("link", { name: "Cases" }));
    const day = lw.locator("ul.day-list");
    await check(lw, "diary-your-day");

    // The letter, in plain English, ready to print: from Your day (or, past 23:50 London
    // time, when ten minutes on is tomorrow, from the person's page).
    if (soon.sameDay) {
      const line = day.locator("li").filter({ hasText: "Central Library, Room 2" });
      assert.match(await line.innerText(), new RegExp(`${soon.time} to [\\s\\S]*${name}`));
      await follow(lw, line.getByRole("link", { name: /^Letter/ }));
    } else {
      await lw.goto(`${BASE}${letterHref}`);
    }
    await assert.doesNotReject(lw.waitForURL(/\/appointments\/\d+\/letter/));
    const letter = await lw.locator("main").innerText();
    assert.match(letter, new RegExp(`Dear ${name}`));
    assert.match(letter, /Central Library, Room 2/);
    assert.match(letter, /If you need to change it/);
    assert.ok(await lw.getByRole("button", { name: "Print this letter" }).isVisible(), "the script shows the print button");
    await check(lw, "diary-letter");

    // The private calendar link: made once, shown once; the feed has initials only.
    await follow(lw, lw.getByRole("link", { name: "Calendar link" }));
    await check(lw, "diary-calendar-link");
    await submit(lw, "Make a calendar link");
    const link = (await lw.locator(".one-time-link").innerText()).trim();
    assert.match(link, /\/calendar\/[0-9a-f]{64}\.ics$/);
    await check(lw, "diary-calendar-link-made");
    const feed = await lw.request.get(link.replace(/^https?:\/\/[^/]+/, BASE));
    assert.equal(feed.status(), 200);
    const ics = await feed.text();
    assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
    const [given, family] = name.split(" ");
    assert.match(ics, new RegExp(`SUMMARY:Contact with ${given[0]}\\.${family[0]}\\. \\(in person\\)`));
    assert.ok(!ics.includes(family) && !ics.includes("Central Library"), "no name or place in the feed");
    await submit(lw, "Stop the link");
    assert.equal((await lw.request.get(link.replace(/^https?:\/\/[^/]+/, BASE))).status(), 404);
  } finally {
    await browser.close();
  }
});
