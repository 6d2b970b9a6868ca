// Taking a referral (issue 15, items 1, 2 and 10): a referrer refers; the team lead finds it
// under "Not assigned" and gives it to a link worker, seeing each worker's open caseload in
// the choices; the link worker finds the person by searching the caseload, records a contact
// that reached them, and sees the referral theirs, moved to "contacting" and "active" offered;
// it then appears under "Only my referrals" and in "Your day". Every page checked with axe-core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, signIn, check, open, submit } from "./lib.mjs";

const PRACTICE = process.env.PRACTICE_CODE;
const family = `Assign${Date.now() % 100000}`;
const name = `Nia ${family}`;

/** Today as yyyy-mm-dd (the follow-up date the contact sets). */
function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

test("a team lead gives out a referral and the link worker takes it from first contact", async () => {
  assert.ok(PRACTICE, "run through tests/browser/run.sh");
  const browser = await launch();
  try {
    // The referrer refers Nia.
    const gp = await signIn(browser, "referrer");
    await gp.goto(`${BASE}/referrals/new`);
    await gp.getByLabel("First name").fill("Nia");
    await gp.getByLabel("Last name").fill(family);
    await gp.getByLabel("Day").fill("3");
    await gp.getByLabel("Month").fill("7");
    await gp.getByLabel("Year").fill("1961");
    await gp.getByLabel("Female").check();
    await gp.getByLabel("Address line 1").fill("3 Acacia Avenue");
    await gp.getByLabel("Town or city").fill("Birmingham");
    await gp.getByLabel("Postcode").fill("B25 8DS");
    await gp.getByLabel("GP practice").selectOption(PRACTICE);
    await gp.getByLabel("What would they like help with?").fill("Lost her husband last year and rarely goes out");
    await gp.getByLabel(/agrees to be referred/).check();
    await submit(gp, "Make the referral");
    assert.match(await gp.locator(".success-banner").innerText(), new RegExp(`Referral made for ${name}`));

    // Who the link worker is, as the header names them.
    const lw = await signIn(browser, "linkworker");
    const worker = (await lw.locator(".who span").innerText()).split(" · ")[0].trim();

    // The team lead finds Nia under "Not assigned", paging on until her line shows.
    const lead = await signIn(browser, "teamlead");
    await lead.getByRole("link", { name: "Team", exact: true }).click();
    await check(lead, "team-unassigned");
    const unassigned = lead.locator("section", { has: lead.locator("#unassigned-heading") });
    for (let pages = 0; (await unassigned.locator("tr", { hasText: name }).count()) === 0; pages++) {
      assert.ok(pages < 40, `${name} is under "Not assigned"`);
      await Promise.all([lead.waitForNavigation(), unassigned.getByRole("link", { name: "Next page" }).click()]);
    }
    const row = unassigned.locator("tr", { hasText: name });
    const choice = row.locator("option", { hasText: worker });
    const before = (await choice.innerText()).trim();
    const load = before.match(/\((\d+) open/);
    assert.ok(load, `"Give to" shows ${worker}'s open caseload: ${before}`);
    await row.getByRole("combobox").selectOption({ label: before });
    await submit(row, "Give to");
    // Back on the team page: Nia has left "Not assigned", and the worker's load grew by one.
    assert.equal(await lead.locator("#unassigned-heading").count(), 1);
    const after = await lead.locator("#handover-from option", { hasText: worker }).innerText();
    assert.match(after, new RegExp(`\\(${Number(load[1]) + 1} open`), `the load counts Nia: ${after}`);
    await check(lead, "team-given");

    // The link worker finds her by date of birth in the caseload's search box.
    await lw.goto(`${BASE}/caseload`);
    await lw.getByLabel("Find a person").fill("03/07/1961");
    await submit(lw, "Apply filters");
    assert.equal(await lw.getByLabel("Find a person").inputValue(), "03/07/1961");
    await check(lw, "caseload-search");
    await lw.getByRole("link", { name }).first().click();
    const main = lw.locator("main");
    assert.match(await main.innerText(), /Link worker: You/);
    assert.match(await lw.locator("h2", { hasText: /^Referral \d+:/ }).first().innerText(), /Received/);

    // A contact that reached her, with a follow-up today.
    const panel = await open(lw, "Record a contact");
    await panel.getByLabel("How").selectOption("phone");
    await panel.getByLabel("What matters to them").fill("Getting back to the allotment");
    await panel.getByLabel(/Follow up on/).fill(today());
    await submit(panel, "Save contact");
    assert.match(await lw.locator(".success-banner").innerText(), /moved from Received to Contacting/);
    assert.match(await lw.locator("h2", { hasText: /^Referral \d+:/ }).first().innerText(), /Contacting/);
    assert.ok(
      await lw.getByRole("button", { name: "They agreed to work with us: mark active" }).isVisible(),
      "active is offered, not set",
    );
    await check(lw, "person-contacted");

    // Hers now: under "Only my referrals", and in "Your day" as a follow-up due today.
    await lw.goto(`${BASE}/caseload`);
    await lw.getByLabel("Only my referrals").check();
    await submit(lw, "Apply filters");
    assert.ok((await lw.getByRole("link", { name }).count()) >= 1, "under Only my referrals");
    await lw.goto(`${BASE}/caseload`);
    const day = lw.locator("section.day");
    assert.match(await day.locator("h2").innerText(), /Your day/);
    await Promise.all([lw.waitForNavigation(), day.getByRole("link", { name: /due today/ }).click()]);
    assert.ok((await lw.getByRole("link", { name }).count()) >= 1, "in Your day: due today");
    await check(lw, "your-day-due");

    // The offered step: she agreed.
    await lw.getByRole("link", { name }).first().click();
    await submit(lw, "They agreed to work with us: mark active");
    assert.match(await lw.locator("h2", { hasText: /^Referral \d+:/ }).first().innerText(), /Active/);
  } finally {
    await browser.close();
  }
});
