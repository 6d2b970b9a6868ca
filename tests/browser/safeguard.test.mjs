// A volunteer's visit and a safeguarding worry, in a real browser (issue 15 item 12, issue 16
// item 6): the link worker arranges a visit with a time and a meeting place; the volunteer
// sees when, where and whom to call (both numbers tel: links), sends "I'm worried about
// them" (an empty one first, refused with the error summary) and records that the visit did
// not happen; the link worker sees the worry at once, flagged on the caseload and the
// person's page, and records a concern of their own. Every page is checked with axe-core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, signIn, check, open, submit } from "./lib.mjs";

const stamp = Date.now() % 100000;
const activity = `Walk to the lunch club ${stamp}`;
const place = "Outside the library on Station Road";
const worry = "Bruises on her arms; she would not say how she got them";

/** Opens a `<details>` panel inside one visit's card, by its summary text. */
async function openIn(page, card, summary) {
  const details = card.locator("details", { has: page.locator("summary", { hasText: summary }) }).first();
  if (!(await details.evaluate((d) => d.open))) {
    await details.locator("summary").click();
  }
  return details;
}

function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getUTCFullYear()}-${pad(now.getUTCMonth() + 1)}-${pad(now.getUTCDate())}`;
}

test("a volunteer's worry reaches the link worker at once", async () => {
  const browser = await launch();
  try {
    // The link worker arranges a visit for someone on their active caseload.
    const lw = await signIn(browser, "linkworker");
    const caseload = `${BASE}/caseload?state=active&mine=1`;
    await lw.goto(caseload);
    const person = lw.locator("tbody tr td[data-label=Person] a").first();
    const name = (await person.innerText()).trim();
    await person.click();
    let panel = await open(lw, "Arrange a volunteer visit");
    await panel.getByLabel("Volunteer").selectOption({ label: "Volunteer" });
    await panel.getByLabel("What the visit is for").fill(activity);
    await panel.getByLabel("Day").fill(today());
    await panel.getByLabel("Time (optional)").fill("14:30");
    await panel.getByLabel("Where to meet (optional)").fill(place);
    await submit(panel, "Arrange visit");
    assert.match(await lw.locator("main").innerText(), new RegExp(`${activity} with Volunteer, meeting ${place}`));

    // The volunteer sees when, where and whom to call.
    const volunteer = await signIn(browser, "volunteer");
    await volunteer.goto(`${BASE}/visits`);
    let visit = volunteer.locator("article", { hasText: activity });
    assert.equal(await visit.count(), 1, "the visit is on the volunteer's list");
    const text = await visit.innerText();
    assert.match(text, /at 14:30/);
    assert.match(text, new RegExp(place));
    assert.match(text, /team phone 0121 496 \d{4}/);
    const team = visit.getByRole("link", { name: /^0121 496/ });
    assert.match(await team.getAttribute("href"), /^tel:0121496\d{4}$/, "the team's phone is a tel: link");
    await check(volunteer, "volunteer-visits");

    // An empty worry is refused with the error summary; then it is sent.
    let details = await openIn(volunteer, visit, "I'm worried about them");
    await submit(details, "Send to the link worker");
    const summary = volunteer.locator(".error-summary");
    await assert.doesNotReject(summary.waitFor());
    assert.match(await summary.innerText(), /Say what worried you|write a few words/);
    await check(volunteer, "volunteer-worry-error");
    visit = volunteer.locator("article", { hasText: activity });
    details = await openIn(volunteer, visit, "I'm worried about them");
    await details.getByLabel("What worried you").fill(worry);
    await submit(details, "Send to the link worker");
    assert.match(await volunteer.locator(".success-banner").innerText(), /Sent to the link worker's team/);
    assert.doesNotMatch(await volunteer.locator("main").innerText(), /Bruises/, "never read back");
    await check(volunteer, "volunteer-worry-sent");

    // The visit did not happen: said with the reason.
    visit = volunteer.locator("article", { hasText: activity });
    details = await openIn(volunteer, visit, "It didn't happen");
    await details.getByLabel("Why not").fill("She was not in");
    await submit(details, "Record that it did not happen");
    assert.match(await volunteer.locator("article", { hasText: activity }).innerText(), /Recorded as not happened/);

    // At once, for the link worker: counted new on the caseload, flagged on the person.
    await lw.goto(caseload);
    assert.match(await lw.locator(".concern-flag").innerText(), /new safeguarding concern/);
    const row = lw.locator("tbody tr", { hasText: name }).first();
    assert.match(await row.innerText(), /Safeguarding concern: 1 new/);
    await check(lw, "caseload-concern");
    await row.getByRole("link", { name }).click();
    assert.match(await lw.locator("#concern-flag").innerText(), /1 recorded, 1 new to you/);
    const concerns = lw.locator("section", { has: lw.locator("#concerns-heading") });
    assert.match(await concerns.innerText(), new RegExp(worry));
    assert.match(await concerns.innerText(), /Not yet assessed: a volunteer's worry/);
    assert.match(await lw.locator("main").innerText(), /did not happen \(recorded [^)]*\): She was not in/);
    await check(lw, "person-concern");

    // The link worker records what they did about it.
    panel = await open(lw, "Record a concern");
    await panel.getByLabel("Kind of concern").selectOption("physical");
    await panel.getByLabel("What was seen, heard or said").fill("Volunteer saw bruises on both arms");
    await panel.getByLabel("Action taken").fill("Phoned her; discussed with the safeguarding lead");
    await panel.getByLabel(/Referred to the safeguarding lead on/).fill(today());
    await submit(panel, "Record the concern");
    assert.match(await lw.locator("#concern-flag").innerText(), /2 recorded\./);
    assert.match(await concerns.innerText(), /Physical abuse/);
    await check(lw, "person-concern-recorded");
  } finally {
    await browser.close();
  }
});
