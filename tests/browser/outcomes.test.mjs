// System outcomes in a real browser (issue 17, item 4): the link worker records GP and A&E
// use before a referral on the person's page (a count that is not a number first, refused
// with the error summary and what was typed kept), sees the saved banner and the counts in
// the referral's section; the analyst opens the report with its note on regression to the
// mean, and an unpublished period comes back with the error summary. Every page is checked
// with axe-core at desktop and phone widths.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, signIn, check, open, submit } from "./lib.mjs";

test("the link worker records GP and A&E use and the analyst reads the report", async () => {
  const browser = await launch();
  try {
    const lw = await signIn(browser, "linkworker");
    await lw.goto(`${BASE}/caseload?mine=1`);
    await lw.locator("tbody tr td[data-label=Person] a").first().click();

    let panel = await open(lw, "Record GP and A&E use");
    await panel.getByLabel("6 months before referral").check();
    await panel.getByLabel("GP consultations").fill("lots");
    await panel.getByLabel("A&E attendances").fill("1");
    await submit(panel, "Save GP and A&E use");
    const summary = lw.locator(".error-summary");
    await assert.doesNotReject(summary.waitFor());
    assert.match(await summary.innerText(), /must be a whole number/);
    assert.match(await lw.title(), /^Error: /);
    panel = await open(lw, "Record GP and A&E use");
    assert.equal(await panel.getByLabel("GP consultations").inputValue(), "lots", "what was typed is kept");
    await check(lw, "service-use-form-error");

    await panel.getByLabel("6 months before referral").check();
    await panel.getByLabel("GP consultations").fill("6");
    await panel.getByLabel("A&E attendances").fill("1");
    await submit(panel, "Save GP and A&E use");
    assert.match(await lw.locator(".notification-banner--success").innerText(), /GP and A&E use recorded/);
    const row = lw.locator("tr", { hasText: "6 months before referral" }).first();
    assert.equal((await row.locator("td[data-label='GP consultations']").innerText()).trim(), "6");
    assert.equal((await row.locator("td[data-label='A&E attendances']").innerText()).trim(), "1");
    await check(lw, "service-use-recorded");

    const analyst = await signIn(browser, "analyst");
    // With no quarter asked for, the latest one whose referrals are all 6 months on.
    await analyst.goto(`${BASE}/reports/service-use`);
    assert.match(await analyst.locator("main").innerText(), /Regression to the mean/);
    assert.match(await analyst.locator("main").innerText(), /Quintile 1 \(most deprived\)/);
    await check(analyst, "service-use-report");
    await analyst.goto(`${BASE}/reports/service-use?period=2999-Q1`);
    assert.match(await analyst.locator(".error-summary").innerText(), /has not ended yet/);
    await check(analyst, "service-use-report-error");
  } finally {
    await browser.close();
  }
});
