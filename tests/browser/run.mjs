// Runs every spec in ./specs against a running techledger (TL_BASE_URL) in Debian's headless
// Chromium, driven by playwright-core. Exits non-zero when any check fails.
// Environment: TL_BASE_URL, TL_DEMO_PASSWORD (password of the demo users), TL_SCREENSHOTS
// (directory for screenshots, default ../../target/browser-screenshots so that a CI run leaves
// the tree clean; `TL_SCREENSHOTS=$PWD/docs .ci/browser.sh` refreshes the committed ones),
// TL_CHROMIUM (default /usr/bin/chromium).
import { chromium } from "playwright-core";
import { mkdir, readdir } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import assert from "node:assert/strict";

const here = path.dirname(fileURLToPath(import.meta.url));
const base = process.env.TL_BASE_URL || "http://127.0.0.1:18080";
const password = process.env.TL_DEMO_PASSWORD;
const shots =
  process.env.TL_SCREENSHOTS || path.join(here, "..", "..", "target", "browser-screenshots");
await mkdir(shots, { recursive: true });
if (!password) {
  console.error("TL_DEMO_PASSWORD is not set");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.TL_CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
});

/** Everything a spec needs. */
const ctx = {
  base,
  assert,
  password,
  /** A fresh browser context (own cookies) at a viewport size. */
  async page(width = 1366, height = 768, lang = "zh-CN") {
    const context = await browser.newContext({ viewport: { width, height }, locale: lang });
    if (process.env.TL_LIVE_STATIC) {
      // Development only: the page assets from the working tree, without rebuilding the server.
      await context.route("**/static/*", async (route) => {
        const name = new URL(route.request().url()).pathname.replace("/static/", "");
        const type = name.endsWith(".css") ? "text/css" : name.endsWith(".js") ? "text/javascript" : null;
        if (!type) return route.continue();
        const { readFile } = await import("node:fs/promises");
        route.fulfill({ body: await readFile(path.join(here, "..", "..", "static", name)), contentType: type });
      });
    }
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    page.errors = errors;
    return page;
  },
  /** Signs in through the login form. */
  async login(page, username, pw = password) {
    await page.goto(base + "/login");
    await page.fill("#username", username);
    await page.fill("#password", pw);
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    assert.ok(!page.url().includes("/login"), `login of ${username} failed: ${page.url()}`);
  },
  /** Saves a screenshot under the screenshot directory. */
  async screenshot(page, name, fullPage = false) {
    await page.screenshot({ path: path.join(shots, name), fullPage });
  },
  /** Yuan string → 亿元 with 2 decimals, half up, exact (independent of the page's code). */
  yi(yuan) {
    const [whole, frac = ""] = yuan.split(".");
    const fen = BigInt(whole) * 100n + BigInt((frac + "00").slice(0, 2));
    const unit = 10000000000n;
    const hundredths = (fen * 100n + unit / 2n) / unit;
    const int = (hundredths / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return int + "." + (hundredths % 100n).toString().padStart(2, "0");
  },
};

const only = process.argv.slice(2);
const files = (await readdir(path.join(here, "specs"))).filter((f) => f.endsWith(".mjs")).sort();
let failed = 0;
for (const file of files) {
  if (only.length && !only.some((o) => file.includes(o))) continue;
  const spec = await import(pathToFileURL(path.join(here, "specs", file)).href);
  const started = Date.now();
  try {
    await spec.run(ctx);
    console.log(`ok   ${file} (${Date.now() - started} ms)`);
  } catch (e) {
    failed += 1;
    console.error(`FAIL ${file}: ${e.stack || e}`);
  }
}
await browser.close();
process.exit(failed ? 1 : 0);
