// Shared by the browser tests: Debian's Chromium through playwright-core, sign-in, and a
// check of each page (axe-core, page weight and server time, desktop and mobile screenshots).
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

export const BASE = process.env.BASE_URL ?? "http://127.0.0.1:18300";
const OUT = process.env.BROWSER_OUT ?? "target/browser";
mkdirSync(join(OUT, "screenshots"), { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** A fresh browser context (its own cookies) signed in as a demo account. */
export async function signIn(browser, username) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${BASE}/sign-in`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(`demo-${username}`);
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Sign in" }).click()]);
  assert.ok(!page.url().includes("/sign-in"), `${username} signed in`);
  return page;
}

const DESKTOP = { width: 1280, height: 800 };
const MOBILE = { width: 390, height: 844 };

/**
 * Checks the page as it is now: no serious or critical axe-core violation; records its
 * weight and server time; saves desktop and mobile screenshots named `name`.
 */
export async function check(page, name) {
  const results = await new AxeBuilder({ page }).analyze();
  const count = (impact) => results.violations.filter((v) => v.impact === impact).length;
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const resources = performance.getEntriesByType("resource");
    return {
      serverMs: nav ? Math.round(nav.responseStart - nav.requestStart) : null,
      htmlBytes: nav ? nav.decodedBodySize : null,
      totalBytes: (nav ? nav.transferSize : 0) + resources.reduce((n, r) => n + r.transferSize, 0),
    };
  });
  const line = {
    page: name,
    url: page.url().replace(BASE, ""),
    ...timing,
    axe: { critical: count("critical"), serious: count("serious"), moderate: count("moderate"), minor: count("minor") },
    passes: results.passes.length,
  };
  appendFileSync(join(OUT, "pages.jsonl"), JSON.stringify(line) + "\n");
  const severe = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  assert.deepEqual(severe, [], `axe-core on ${name}`);
  for (const [size, viewport] of [["desktop", DESKTOP], ["mobile", MOBILE]]) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: join(OUT, "screenshots", `${name}-${size}.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}

/** Opens a `<details>` panel by its summary text. */
export async function open(page, summary) {
  const details = page.locator("details", { has: page.locator("summary", { hasText: summary }) }).first();
  if (!(await details.evaluate((d) => d.open))) {
    await details.locator("summary").click();
  }
  return details;
}

/** Submits a form by its button and waits for the page that follows. */
export async function submit(scope, button) {
  const page = scope.page ? scope.page() : scope;
  await Promise.all([page.waitForNavigation(), scope.getByRole("button", { name: button }).click()]);
}
