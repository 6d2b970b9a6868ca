// Programme costs in the browser (issue 17, item 5): an administrator opens a programme's
// costs from the programmes page, sends a bad form (the error summary lists each problem and
// takes focus), then records last month's costs in pounds and sees the success banner and the
// month in the list; a commissioner's analyst reads the cost report (unit costs from published
// counts, the literature figure with its source and its caution), for a quarter and one
// programme; a volunteer is refused. Every page is checked with axe-core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, check, launch, signIn, submit } from "./lib.mjs";

/** The last complete calendar month, as YYYY-MM. */
function lastMonth() {
  const now = new Date();
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
  return `${end.getUTCFullYear()}-${String(end.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** The last complete calendar quarter, as YYYY-Qn. */
function lastQuarter() {
  const now = new Date();
  let q = Math.floor(now.getUTCMonth() / 3) - 1;
  let y = now.getUTCFullYear();
  if (q < 0) {
    q = 3;
    y -= 1;
  }
  return `${y}-Q${q + 1}`;
}

test("an administrator records costs and an analyst reads the cost report", async () => {
  const browser = await launch();
  try {
    const admin = await signIn(browser, "admin");
    await admin.goto(`${BASE}/admin/programmes`);
    await admin.getByRole("link", { name: "Costs of Befriending for older people" }).click();
    assert.match(await admin.locator("h1").innerText(), /Costs: Befriending for older people/);
    await check(admin, "admin-costs");

    // Bad input: a month that is not one and an amount that is not money.
    await admin.getByLabel("Month", { exact: true }).fill("last month");
    await admin.getByLabel("Staff costs, in pounds").fill("lots");
    await admin.getByLabel("Grants, in pounds").fill("0");
    await admin.getByLabel("Other costs, in pounds").fill("12.345");
    await submit(admin, "Record the costs");
    const summary = admin.locator(".error-summary");
    await assert.doesNotReject(summary.waitFor());
    assert.equal(await summary.locator("a").count(), 3, "month, staff and other listed");
    assert.equal(await admin.evaluate(() => document.activeElement?.className), "error-summary", "the summary takes focus");
    await check(admin, "admin-costs-errors");
    await summary.getByRole("link", { name: /month/i }).click();
    assert.equal(await admin.evaluate(() => document.activeElement?.id), "month", "a summary link goes to its field");

    // Last month's costs, typed in pounds.
    const month = lastMonth();
    await admin.getByLabel("Month", { exact: true }).fill(month);
    await admin.getByLabel("Staff costs, in pounds").fill("£2,800.50");
    await admin.getByLabel("Other costs, in pounds").fill("450");
    await admin.getByLabel(/What the figures include/).fill("Coordinator and befrienders' travel");
    await submit(admin, "Record the costs");
    assert.match(admin.url(), /\?saved=cost/);
    assert.match(await admin.locator(".notification-banner").innerText(), /Costs recorded/);
    const row = admin.locator("tbody tr", { hasText: month });
    assert.match(await row.innerText(), /£2,800\.50/);
    assert.match(await row.innerText(), /£3,250\.50/, "the total");
    await check(admin, "admin-costs-saved");

    // The commissioner's analyst reads the report from the navigation.
    const analyst = await signIn(browser, "analyst");
    await analyst.getByRole("link", { name: "Programme costs" }).first().click();
    await analyst.getByLabel("Period").fill(lastQuarter());
    await submit(analyst, "Show report");
    const main = await analyst.locator("main").innerText();
    assert.match(main, /Unit costs/);
    assert.match(main, /£1,345/, "the literature figure");
    assert.match(main, /Not a like-for-like comparison/);
    assert.match(main, /All programmes/);
    assert.match(main, /£\d[\d,]*(\.\d\d)?/, "a unit cost in pounds");
    await check(analyst, "cost-report");
    await analyst.getByLabel("Programme").selectOption({ label: "Befriending for older people" });
    await submit(analyst, "Show report");
    assert.match(await analyst.locator(".equity-meta").first().innerText(), /Befriending for older people only/);
    await check(analyst, "cost-report-programme");
    await analyst.getByLabel("Period").fill("next year");
    await submit(analyst, "Show report");
    assert.match(await analyst.locator(".error-summary").innerText(), /published periods/);
    await check(analyst, "cost-report-error");

    // Nobody else reads it.
    const volunteer = await signIn(browser, "volunteer");
    const response = await volunteer.goto(`${BASE}/reports/cost`);
    assert.equal(response.status(), 403);
  } finally {
    await browser.close();
  }
});
