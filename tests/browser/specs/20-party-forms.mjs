// Party fields on the registration form (issue 17), in Chinese on a desktop and in English on a
// 390 px phone: search results name the region (兰山区), not 371302; a new party typed with a
// credit code already on record says, before submitting, that the stored party will be used;
// a mistyped credit code gets one message naming the wrong character (or the few it may be),
// never also "required".

/** `code` with the character at 1-based `position` replaced by `c`. */
const withChar = (code, position, c) => code.slice(0, position - 1) + c + code.slice(position);

const LANGS = [
  {
    lang: "zh", width: 1366, height: 768, linyi: "临沂市",
    stored: "将使用已登记的主体", mistyped: /第 (17 位可能录错了（改为“\S”|[0-9–、]*17[0-9–、]* 位中有一位录错了)/, required: /除个人外/,
  },
  {
    lang: "en", width: 390, height: 844, linyi: "Linyi",
    stored: "the stored party will be used", mistyped: /character 17 is probably mistyped|positions [0-9–, ]*17/, required: /required/,
  },
];

export async function run({ page: newPage, login, screenshot, assert, base }) {
  for (const l of LANGS) {
    const a = await newPage(l.width, l.height);
    await login(a, "demo-371302-a");
    await a.goto(`${base}/contracts/new?lang=${l.lang}`);
    await a.waitForSelector('#contract-form[data-ready="true"]');
    await a.evaluate(() => sessionStorage.clear());
    const stored = await a.evaluate(async () => {
      const r = await TL.api("GET", "/api/v1/parties?limit=100&q=" + encodeURIComponent("临沂"));
      return r.body.items.find((p) => p.credit_code && p.region.startsWith("3713") && p.region !== "371300");
    });
    assert.ok(stored, "the demo data has a Linyi party with a credit code");

    // Search results: the region by name.
    await a.fill("#seller-search", stored.name);
    await a.waitForSelector("#seller-results [role=option]");
    await a.waitForFunction(
      (want) => (document.querySelector("#seller-results [role=option] .muted") || {}).textContent?.includes(want),
      l.linyi,
      { timeout: 5000 },
    ).catch(() => {});
    const meta = await a.textContent("#seller-results [role=option] .muted");
    assert.ok(meta.includes(l.linyi), `${l.lang}: the region is named: ${meta}`);
    // (The region code is inside the credit code; it must not stand on its own.)
    assert.doesNotMatch(meta, new RegExp(`(^|[^0-9A-Z])${stored.region}([^0-9A-Z]|$)`), `${l.lang}: no bare region code: ${meta}`);
    await a.press("#seller-search", "Escape");

    // A new party with that credit code under another name: the stored party will be used.
    await a.click('fieldset[data-side="seller"] .party-new-open');
    await a.fill("#seller-name", "另一个名称的测试公司");
    await a.selectOption("#seller-kind", "enterprise");
    await a.fill("#seller-credit_code", stored.credit_code.toLowerCase());
    await a.waitForSelector("#seller-existing:not([hidden])");
    const notice = await a.textContent("#seller-existing .party-existing-text");
    assert.ok(notice.includes(stored.name) && notice.includes(l.stored), `${l.lang}: ${notice}`);
    if (l.lang === "zh") await screenshot(a, "party-existing-code.png");
    await a.click("#seller-existing .party-use-existing");
    await a.waitForSelector('fieldset[data-side="seller"] .party-chosen:not([hidden])');
    assert.equal(await a.textContent('fieldset[data-side="seller"] .party-name'), stored.name);

    // A mistyped credit code (position 17): one message, naming the character.
    await a.click('fieldset[data-side="seller"] .party-change');
    await a.click('fieldset[data-side="seller"] .party-new-open');
    const right = stored.credit_code[16];
    const typo = withChar(stored.credit_code, 17, right === "7" ? "8" : "7");
    await a.fill("#seller-credit_code", typo);
    await a.waitForSelector('#seller-province option[value="370000"]', { state: "attached" });
    await a.selectOption("#seller-province", "370000");
    await a.waitForSelector('#seller-city option[value="371300"]', { state: "attached" });
    await a.selectOption("#seller-city", "371300");
    await a.waitForSelector('#seller-county option[value="371302"]', { state: "attached" });
    await a.selectOption("#seller-county", "371302");
    await a.waitForTimeout(800); // past the look-up's pause and its answer
    assert.ok(await a.isHidden("#seller-existing"), "no stored party for a mistyped code");
    await a.click("#submit");
    const slot = '[data-error-for="seller.credit_code"]';
    await a.waitForSelector(slot + ":not([hidden])");
    const message = await a.textContent(slot);
    assert.match(message, l.mistyped, `${l.lang}: ${message}`);
    assert.doesNotMatch(message, l.required, `${l.lang}: no "required" for a filled field: ${message}`);
    assert.deepEqual(a.errors.filter((e) => !e.startsWith("Failed to load resource")), [], "no script errors");
    await a.context().close();
  }
}
