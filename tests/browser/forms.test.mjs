// Forms that answer (issue 15, items 7, 9, 3 and 4), in a real browser: a duplicate referral
// is warned of; a refused form comes back with its error summary and what was typed; a save
// shows the NHS success banner, which takes focus; a consent refused keeps the user on the
// connect page; "Send answer" with nothing chosen is the inbox's own error summary, not plain
// text; ending a referral is asked about first and names its open connections; the plan is
// made from the open referral. Every page is checked with axe-core at 1280 and 390 px.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, signIn, check, open, submit } from "./lib.mjs";

const PRACTICE = process.env.PRACTICE_CODE;
const SERVICE = process.env.SERVICE_NAME;
const family = `Forms${Date.now() % 100000}`;
const name = `Noor ${family}`;

/** Fills the referral form for Noor, as a referrer would. */
async function fillReferral(gp) {
  await gp.getByLabel("First name").fill("Noor");
  await gp.getByLabel("Last name").fill(family);
  await gp.getByLabel("Day").fill("3");
  await gp.getByLabel("Month").fill("9");
  await gp.getByLabel("Year").fill("1949");
  await gp.getByLabel("Female").check();
  await gp.getByLabel("Address line 1").fill("3 Lime Grove");
  await gp.getByLabel("Town or city").fill("Birmingham");
  await gp.getByLabel("Postcode").fill("B25 8DS");
  await gp.getByLabel("GP practice").selectOption(PRACTICE);
  await gp.getByLabel("What would they like help with?").fill("Housebound since a fall");
  await gp.getByLabel(/agrees to be referred/).check();
}

test("forms answer: errors kept, saves confirmed, endings asked, duplicates warned", async () => {
  assert.ok(PRACTICE && SERVICE, "run through tests/browser/run.sh");
  const browser = await launch();
  try {
    // The referrer refers Noor, then the same person again: warned, nothing sent.
    const gp = await signIn(browser, "referrer");
    await gp.getByRole("link", { name: "Make a referral" }).first().click();
    await fillReferral(gp);
    await submit(gp, "Make the referral");
    assert.match(await gp.locator(".success-banner").innerText(), new RegExp(`Referral made for ${name}`));
    await gp.getByRole("link", { name: "Make a referral" }).first().click();
    await fillReferral(gp);
    await submit(gp, "Make the referral");
    assert.match(await gp.title(), /^Error: /);
    assert.match(await gp.locator(".error-summary").innerText(), /still open: the link worker has it/);
    assert.equal(await gp.getByLabel("What would they like help with?").inputValue(), "Housebound since a fall");
    await check(gp, "forms-duplicate-warned");

    // The link worker: a contact refused keeps what was typed; saved, a banner says so.
    const lw = await signIn(browser, "linkworker");
    await lw.getByRole("link", { name }).first().click();
    let panel = await open(lw, "Record a contact");
    await panel.getByLabel("How").selectOption("phone");
    await panel.getByLabel("Duration in minutes").fill("");
    await panel.getByLabel("What matters to them").fill("Seeing her grandchildren again");
    await submit(panel, "Save contact");
    assert.match(await lw.title(), /^Error: /);
    assert.equal(await lw.evaluate(() => document.activeElement?.className), "error-summary", "the summary takes focus");
    assert.equal(await lw.getByLabel("What matters to them").first().inputValue(), "Seeing her grandchildren again");
    await check(lw, "forms-contact-refused");
    panel = await open(lw, "Record a contact");
    await panel.getByLabel("Duration in minutes").fill("20");
    await submit(panel, "Save contact");
    const banner = lw.locator(".notification-banner--success");
    assert.match(await banner.innerText(), /Contact recorded/);
    assert.equal(await banner.getAttribute("role"), "alert");
    assert.ok(await lw.evaluate(() => document.activeElement?.classList.contains("notification-banner")), "the banner takes focus");
    await check(lw, "forms-contact-saved");

    // A goal, then the consent refused (nothing ticked): still on the service's page.
    panel = await open(lw, "Agree a goal");
    await panel.getByLabel("The goal, in their words").fill("Get to the lunch club on Thursdays");
    await submit(panel, "Save goal");
    assert.match(await lw.locator(".notification-banner--success").innerText(), /Goal recorded/);
    await lw.getByRole("link", { name: "Search the directory for them" }).first().click();
    await lw.getByLabel("What are you looking for?").fill(SERVICE);
    await submit(lw, "Search");
    await lw.getByRole("link", { name: SERVICE }).first().click();
    panel = await open(lw, "Connect them to this service");
    await panel.getByLabel("Note for the organisation").fill("She uses a walking frame");
    await submit(panel, "Record consent and connect");
    assert.match(await lw.title(), /^Error: /);
    assert.match(await lw.locator("h1").innerText(), new RegExp(SERVICE), "still on the service's page");
    assert.equal(await lw.getByLabel("Note for the organisation").inputValue(), "She uses a walking frame");
    await check(lw, "forms-consent-refused");
    panel = await open(lw, "Connect them to this service");
    await panel.getByLabel("Name", { exact: true }).check();
    await submit(panel, "Record consent and connect");
    assert.match(await lw.locator(".notification-banner--success").innerText(), /connection sent/);

    // The organisation sends an answer with nothing chosen: its own page, the note kept.
    const vcse = await signIn(browser, "vcse");
    let card = vcse.locator("article", { hasText: name });
    await card.getByLabel("Note for the link worker").fill("We will ring her on Monday");
    await submit(card, "Send answer");
    assert.match(await vcse.title(), /^Error: /);
    assert.match(await vcse.locator(".error-summary").innerText(), /Choose one of the answers offered/);
    card = vcse.locator("article", { hasText: name });
    assert.equal(await card.getByLabel("Note for the link worker").inputValue(), "We will ring her on Monday");
    await check(vcse, "forms-answer-refused");

    // The printed plan is the open referral's.
    await lw.getByRole("link", { name: "Their plan, to print" }).click();
    assert.match(await lw.locator("main").innerText(), /Get to the lunch club on Thursdays/);
    await lw.goBack();

    // Ending the referral is asked about first, naming its open connection.
    panel = await open(lw, "Change state");
    await panel.getByLabel("New state").selectOption("declined");
    await submit(panel, "Change state");
    assert.match(await lw.title(), /^End referral /);
    assert.match(await lw.locator("main").innerText(), new RegExp(`${SERVICE}: Requested`));
    assert.match(await lw.locator("main").innerText(), /These stay open after the referral ends/);
    await check(lw, "forms-end-asked");
    await submit(lw, "Yes, record that they declined");
    assert.match(await lw.locator(".notification-banner--success").innerText(), /Referral recorded as declined/);
    await check(lw, "forms-ended");
  } finally {
    await browser.close();
  }
});
