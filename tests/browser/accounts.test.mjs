// An account's life in the browser: an administrator invites someone by a one-time link
// (no password is typed or seen by the administrator), the person chooses their password
// there (a weak one is refused with the error summary), signs in, changes it, and is
// signed out at once when the administrator disables the account. Every page is checked
// with axe-core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, check, launch, signIn, submit } from "./lib.mjs";

test("an invitation, a chosen password, a change of password and a disabled account", async () => {
  const browser = await launch();
  try {
    const admin = await signIn(browser, "admin");
    await admin.getByLabel("Username").fill("newworker");
    await admin.getByLabel("Full name").fill("Nia Newworker");
    await admin.getByLabel("Role").selectOption({ label: "Link worker" });
    await admin.locator("#team_id").selectOption({ index: 1 });
    await submit(admin, "Make an invitation link");
    await check(admin, "admin-invitation-link");
    const link = (await admin.locator("code.one-time-link").innerText()).trim();
    assert.match(link, /\/password-links\//);
    assert.doesNotMatch(await admin.content(), /password" value=/, "no password on the page");

    // The invited person, in a browser of their own.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const person = await context.newPage();
    await person.goto(link.replace(/^https?:\/\/[^/]+/, BASE));
    await check(person, "password-set");
    await person.getByLabel("New password", { exact: true }).fill("password1234");
    await person.getByLabel("New password again").fill("password1234");
    await person.getByRole("button").last().click();
    await person.waitForSelector(".error-summary");
    await check(person, "password-set-errors");
    const chosen = "kettle orbit meadow lantern";
    await person.getByLabel("New password", { exact: true }).fill(chosen);
    await person.getByLabel("New password again").fill(chosen);
    await Promise.all([person.waitForNavigation(), person.getByRole("button").last().click()]);
    assert.match(person.url(), /\/sign-in/);
    // The link worked once: opening it again says so.
    const again = await context.newPage();
    await again.goto(link.replace(/^https?:\/\/[^/]+/, BASE));
    assert.match(await again.locator("h1").innerText(), /does not work/);

    await person.getByLabel("Username").fill("newworker");
    await person.getByLabel("Password").fill(chosen);
    await submit(person, "Sign in");
    assert.ok(!person.url().includes("/sign-in"), "signed in with the chosen password");
    await person.goto(`${BASE}/account/password`);
    await check(person, "change-password");
    await person.getByLabel("Current password").fill(chosen);
    await person.getByLabel("New password", { exact: true }).fill("violet harbour quiet engine");
    await person.getByLabel("New password again").fill("violet harbour quiet engine");
    await submit(person, "Change my password");
    assert.match(await person.locator("body").innerText(), /has been changed/);

    // Disabled: the person's open session ends at once.
    await admin.goto(`${BASE}/admin`);
    await submit(admin, "Disable newworker");
    await person.goto(`${BASE}/caseload`);
    assert.match(person.url(), /\/sign-in/, "a disabled account's session has ended");
  } finally {
    await browser.close();
  }
});
