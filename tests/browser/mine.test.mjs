// The daily work still without a walk of its own (issue 15, items 5, 6, 8, 10, 11 and 15), in
// a real browser, every page checked with axe-core at 1280 and 390 px:
//  - first contact to a printed plan (the baseline: about 44 actions over 13 pages),
//    with the directory opened from the person's page: their postcode filled in, sorted by
//    distance (item 11);
//  - questionnaires: the published answer labels, "When" defaulting to follow-up once a
//    baseline exists, and an incomplete questionnaire asked about before it is saved (item 8);
//  - a message on a connection: the organisation sees it (unread) under "Needs your answer",
//    replies and answers; the link worker sees the reply and the unread count (items 5, 6);
//  - finding people by name, NHS number and date of birth, and overdue follow-ups most
//    overdue first (item 10);
//  - a link worker's own outcomes beside the team's, and a team lead's view of each worker
//    (item 15).
// Each journey's actions (clicks, typing into a field, choices, key presses that submit) and
// pages loaded are counted as performed and written to target/browser/actions.jsonl.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { BASE, launch, signIn, check } from "./lib.mjs";

const PRACTICE = process.env.PRACTICE_CODE;
const SERVICE = process.env.SERVICE_NAME;
const ORGANISATION = process.env.ORGANISATION;
const OUT = process.env.BROWSER_OUT ?? "target/browser";
const family = `Mine${Date.now() % 100000}`;
const name = `Ines ${family}`;

/** A valid NHS number (Modulus 11) that is unlikely to be on file, as typed with spaces. */
function nhsNumber() {
  for (let seed = Date.now() % 1000000; ; seed++) {
    const digits = `944${String(seed).padStart(6, "0")}`.split("").map(Number);
    const sum = digits.reduce((s, d, i) => s + d * (10 - i), 0);
    const check = (11 - (sum % 11)) % 11;
    if (check === 10) continue;
    const all = [...digits, check].join("");
    return `${all.slice(0, 3)} ${all.slice(3, 6)} ${all.slice(6)}`;
  }
}
const NHS = nhsNumber();

/** Counts what a person does on one page object and how many pages load. */
class Counter {
  constructor(journey, ...pages) {
    this.journey = journey;
    this.actions = 0;
    this.pages = 0;
    for (const page of pages) page.on("load", () => this.pages++);
  }
  async click(locator) {
    this.actions++;
    await locator.click();
  }
  async fill(locator, value) {
    this.actions++;
    await locator.fill(value);
  }
  async select(locator, value) {
    this.actions++;
    await locator.selectOption(value);
  }
  async tick(locator) {
    this.actions++;
    await locator.check();
  }
  /** Follows a link or presses a button that loads a page. */
  async go(locator) {
    this.actions++;
    const page = locator.page();
    await Promise.all([page.waitForNavigation(), locator.click()]);
  }
  async submit(scope, button) {
    await this.go(scope.getByRole("button", { name: button }));
  }
  /** Opens a `<details>` panel by its summary (a click, unless it is open already). */
  async open(page, summary) {
    const details = page.locator("details", { has: page.locator("summary", { hasText: summary }) }).first();
    if (!(await details.evaluate((d) => d.open))) {
      await this.click(details.locator("summary"));
    }
    return details;
  }
  record() {
    const line = { journey: this.journey, actions: this.actions, pages: this.pages };
    appendFileSync(join(OUT, "actions.jsonl"), JSON.stringify(line) + "\n");
    console.log(`${this.journey}: ${this.actions} actions, ${this.pages} pages`);
    return line;
  }
}

test("the daily work: plan, questionnaires, messages, search, own outcomes", async () => {
  assert.ok(PRACTICE && SERVICE && ORGANISATION, "run through tests/browser/run.sh");
  const browser = await launch();
  try {
    // A referral to work with, made by the referrer with an NHS number.
    const gp = await signIn(browser, "referrer");
    await gp.goto(`${BASE}/referrals/new`);
    await gp.getByLabel("First name").fill("Ines");
    await gp.getByLabel("Last name").fill(family);
    await gp.getByLabel("NHS number").fill(NHS);
    await gp.getByLabel("Day").fill("21");
    await gp.getByLabel("Month").fill("3");
    await gp.getByLabel("Year").fill("1947");
    await gp.getByLabel("Female").check();
    await gp.getByLabel("Address line 1").fill("8 Rowan Close");
    await gp.getByLabel("Town or city").fill("Birmingham");
    await gp.getByLabel("Postcode").fill("B25 8DS");
    await gp.getByLabel("GP practice").selectOption(PRACTICE);
    await gp.getByLabel("What would they like help with?").fill("Lonely since her husband died");
    await gp.getByLabel(/agrees to be referred/).check();
    await Promise.all([gp.waitForNavigation(), gp.getByRole("button", { name: "Make the referral" }).click()]);
    assert.match(await gp.locator(".success-banner").innerText(), new RegExp(`Referral made for ${name}`));

    // 1. First contact to a printed plan, from "Your day" (the caseload).
    const lw = await signIn(browser, "linkworker");
    let t = new Counter("first contact to a printed plan", lw);
    await t.fill(lw.getByLabel("Find a person"), family);
    await t.submit(lw, "Apply filters");
    await t.go(lw.getByRole("link", { name }).first());
    let panel = await t.open(lw, "Record a contact");
    await t.select(panel.getByLabel("How"), "phone");
    await t.fill(panel.getByLabel("What matters to them"), "Her garden, and talking to people again");
    await t.submit(panel, "Save contact");
    panel = await t.open(lw, "Record a need");
    await t.select(panel.getByLabel("What they want help with"), "loneliness");
    await t.submit(panel, "Save need");
    panel = await t.open(lw, "Agree a goal");
    await t.fill(panel.getByLabel("The goal, in their words"), "Join a gardening group");
    await t.submit(panel, "Save goal");
    panel = await t.open(lw, "Record SWEMWBS");
    // Item 8: the published answer words and the time frame; "When" is baseline at first.
    assert.match(await panel.innerText(), /over the last 2 weeks/);
    assert.equal(await panel.getByLabel("When").inputValue(), "baseline");
    const firstItem = panel.locator("select[name=item1]");
    assert.deepEqual(
      (await firstItem.locator("option").allInnerTexts()).map((s) => s.trim()).filter((s) => /time|Rarely|Often/.test(s)).length,
      5,
      "five labelled answers, None of the time to All of the time",
    );
    for (let item = 1; item <= 7; item++) {
      await t.select(panel.locator(`select[name=item${item}]`), "2");
    }
    await t.submit(panel, "Save SWEMWBS");
    await check(lw, "mine-person-baseline");
    // Item 11: the directory from the person's page has their postcode; sort by distance.
    await t.go(lw.getByRole("link", { name: "Search the directory for them" }).first());
    assert.equal((await lw.getByLabel("Near postcode").inputValue()).replace(/\s/g, ""), "B258DS", "their postcode is filled in");
    await t.select(lw.getByLabel("Show", { exact: true }), "distance");
    await t.submit(lw, "Search");
    const distances = (await lw.locator("p.meta").allInnerTexts())
      .map((text) => text.match(/([\d.]+) km away/))
      .filter(Boolean)
      .map((m) => Number(m[1]));
    assert.ok(distances.length >= 2, `services with distances: ${distances}`);
    assert.deepEqual(distances, [...distances].sort((a, b) => a - b), "nearest first");
    await check(lw, "mine-directory-nearest");
    await t.fill(lw.getByLabel("What are you looking for?"), SERVICE);
    await t.select(lw.getByLabel("Show", { exact: true }), "relevance");
    await t.submit(lw, "Search");
    await t.go(lw.getByRole("link", { name: SERVICE }).first());
    panel = await t.open(lw, "Connect them to this service");
    await t.tick(panel.getByLabel("Name", { exact: true }));
    await t.tick(panel.getByLabel("What they want help with"));
    await t.submit(panel, "Record consent and connect");
    assert.match(await lw.locator("main").innerText(), new RegExp(`${SERVICE}: Requested`));
    await t.go(lw.getByRole("link", { name: "Their plan, to print" }));
    assert.match(await lw.locator("main").innerText(), /Join a gardening group/);
    await check(lw, "mine-plan");
    t.record();
    await lw.goBack();

    // 2. Questionnaires: with a baseline, "When" defaults to follow-up; ONS4's anchors and
    // UCLA-3's words; an incomplete questionnaire is asked about, then saved on purpose.
    t = new Counter("questionnaires: an incomplete ONS4 confirmed", lw);
    panel = await t.open(lw, "Record SWEMWBS");
    assert.equal(await panel.getByLabel("When").inputValue(), "follow_up", "a follow-up once a baseline exists");
    panel = await t.open(lw, "Record UCLA 3-item loneliness");
    assert.match(await panel.innerText(), /how often you feel that way/);
    assert.match(await panel.locator("select[name=item1]").innerText(), /Hardly ever or never/);
    panel = await t.open(lw, "Record ONS4");
    assert.match(await panel.locator("select[name=item1]").innerText(), /Not at all/);
    assert.match(await panel.locator("select[name=item1]").innerText(), /Completely/);
    await t.select(panel.getByLabel("When"), "baseline");
    await t.select(panel.locator("select[name=item1]"), "6");
    await t.select(panel.locator("select[name=item2]"), "7");
    await t.submit(panel, "Save ONS4");
    assert.match(await lw.title(), /^Error: /);
    assert.match(await lw.locator(".error-summary").innerText(), /not answered|incomplete|unanswered/i);
    await check(lw, "mine-questionnaire-incomplete");
    panel = await t.open(lw, "Record ONS4");
    assert.equal(await panel.locator("select[name=item1]").inputValue(), "6", "the answers given are kept");
    await t.tick(panel.getByLabel(/Save it even if some questions are not answered/));
    await t.submit(panel, "Save ONS4");
    assert.match(await lw.locator(".notification-banner--success").innerText(), /ONS4|saved|recorded/i);
    t.record();

    // 3. A message on the connection, answered by the organisation.
    t = new Counter("a message to the organisation and its reply", lw);
    await t.go(lw.getByRole("link", { name: SERVICE, exact: true }).last());
    await t.fill(lw.getByLabel(`Message to ${ORGANISATION}`), "She is hard of hearing: please speak slowly.");
    await t.submit(lw, "Send message");
    assert.match(await lw.locator(".success-banner").innerText(), /Message sent/);
    const vcse = await signIn(browser, "vcse");
    const v = new Counter("the organisation reads, replies and answers", vcse);
    assert.match(await vcse.locator("[aria-current=page]").innerText(), /Needs your answer/, "the default filter");
    let card = vcse.locator("article", { hasText: name });
    assert.match(await card.innerText(), /1 unread/);
    await check(vcse, "mine-inbox-unread");
    await v.go(card.getByRole("link", { name: /Messages with the link worker/ }));
    assert.match(await vcse.locator("main").innerText(), /hard of hearing/);
    await v.fill(vcse.getByLabel("Message to the link worker"), "We will ring her on Monday.");
    await v.submit(vcse, "Send message");
    await v.go(vcse.getByRole("link", { name: "Back to your inbox" }));
    card = vcse.locator("article", { hasText: name });
    assert.doesNotMatch(await card.innerText(), /unread/, "read");
    await v.tick(card.getByLabel("Accept"));
    await v.submit(card, "Send answer");
    assert.match(await vcse.locator(".success-banner").innerText(), /Answer sent/);
    await check(vcse, "mine-inbox-answered");
    v.record();
    // The link worker: the unread count on the caseload, then the reply.
    await t.go(lw.getByRole("link", { name: "Cases", exact: true }).first());
    await t.fill(lw.getByLabel("Find a person"), family);
    await t.submit(lw, "Apply filters");
    const row = lw.locator("tr", { hasText: name });
    assert.match(await row.innerText(), /1 unread/);
    await check(lw, "mine-caseload-unread");
    await t.go(row.getByRole("link", { name }));
    await t.go(lw.getByRole("link", { name: SERVICE, exact: true }).last());
    assert.match(await lw.locator("main").innerText(), /We will ring her on Monday/);
    await check(lw, "mine-thread-reply");
    t.record();

    // 4. Finding people: by name, NHS number (with spaces) and date of birth.
    await lw.goto(`${BASE}/caseload`);
    t = new Counter("find a person three ways, and the overdue list", lw);
    for (const [query, label] of [
      [family, "name"],
      [NHS, "NHS number"],
      ["21/03/1947", "date of birth"],
    ]) {
      await t.fill(lw.getByLabel("Find a person"), query);
      await t.submit(lw, "Apply filters");
      assert.ok((await lw.getByRole("link", { name }).count()) >= 1, `found by ${label}`);
    }
    await check(lw, "mine-search-dob");
    // Overdue follow-ups, most overdue first (the search box emptied first).
    await t.fill(lw.getByLabel("Find a person"), "");
    await t.tick(lw.getByLabel("Only overdue follow-ups"));
    await t.submit(lw, "Apply filters");
    const overdue = (await lw.locator("strong.overdue").allInnerTexts())
      .map((text) => text.match(/^(\d+) days? overdue/))
      .filter(Boolean)
      .map((m) => Number(m[1]));
    assert.ok(overdue.length >= 2, `overdue follow-ups listed: ${overdue}`);
    assert.deepEqual(overdue, [...overdue].sort((a, b) => b - a), "most overdue first");
    await check(lw, "mine-overdue");
    t.record();

    // 5. Own outcomes, from "Your day"; a team lead looks at each worker.
    await lw.goto(`${BASE}/caseload`);
    t = new Counter("own outcomes from Your day", lw);
    await t.go(lw.getByRole("link", { name: /Your outcomes last quarter/ }));
    assert.equal(await lw.locator("h1").innerText(), "Your outcomes");
    const funnel = lw.locator("table", { has: lw.locator("th", { hasText: "Step in the quarter" }) });
    assert.equal(await funnel.locator("tbody tr").count(), 9, "eight steps and goals met");
    for (const cell of await funnel.locator("tbody td").allInnerTexts()) {
      assert.match(cell.trim(), /^(\*|\d*[05]|\d+%)$/, `a published figure, not ${cell}`);
    }
    assert.equal(await lw.locator("#worker").count(), 0, "a link worker has no choice of colleague");
    assert.doesNotMatch(await lw.locator("main").innerHTML(), /\/people\//, "nobody is linked");
    await check(lw, "mine-own-outcomes");
    t.record();
    const lead = await signIn(browser, "teamlead");
    const l = new Counter("a team lead's view of one link worker", lead);
    await l.go(lead.getByRole("link", { name: /outcomes last quarter/ }));
    const workers = await lead.locator("#worker option").allInnerTexts();
    assert.ok(workers.length >= 2, `the team's link workers: ${workers}`);
    const other = await lead.locator("#worker option:not([selected])").first().getAttribute("value");
    await l.select(lead.getByLabel("Link worker"), other);
    await l.submit(lead, "Show");
    assert.match(await lead.locator("h1").innerText(), /^Outcomes of /);
    await check(lead, "mine-own-outcomes-lead");
    l.record();
    // A quarter that cannot be published: the form with its error summary.
    await lead.goto(`${BASE}/me/outcomes?period=2026-09`);
    assert.match(await lead.title(), /^Error: /);
    assert.equal(await lead.getByLabel("Quarter", { exact: true }).getAttribute("aria-invalid"), "true");
    await check(lead, "mine-own-outcomes-refused");

    // The team page's hand-over refused (the same person both sides): the team page itself
    // with its error summary, the field marked invalid and both choices kept (item 2).
    await lead.goto(`${BASE}/team`);
    const from = await lead.locator("#handover-from option").first().getAttribute("value");
    await lead.getByLabel("To", { exact: true }).selectOption(from);
    await Promise.all([lead.waitForNavigation(), lead.getByRole("button", { name: "Review the hand-over" }).click()]);
    assert.match(await lead.title(), /^Error: Your team/);
    assert.match(await lead.locator(".error-summary").innerText(), /someone other than the person who holds it/);
    assert.equal(await lead.getByLabel("To", { exact: true }).getAttribute("aria-invalid"), "true");
    assert.equal(await lead.getByLabel("To", { exact: true }).inputValue(), from);
    await check(lead, "mine-team-handover-refused");
  } finally {
    await browser.close();
  }
});
