// The registration certificate (issue 16): a registrar opens a registered contract, the page
// offers its certificate, and the browser downloads a PDF with its font embedded; a pending
// contract offers none.
import { readFile } from "node:fs/promises";

export async function run({ page: newPage, login, screenshot, assert, base }) {
  const page = await newPage();
  await login(page, "demo-371302-a");
  const pick = (status) =>
    page.evaluate(async (status) => {
      const res = await fetch(`/api/v1/contracts?status=${status}&office=371302&limit=1`);
      const body = await res.json();
      return body.items[0] || null;
    }, status);

  const contract = await pick("registered");
  assert.ok(contract, "the demo data has a registered contract in 兰山区");
  await page.goto(`${base}/contracts/${contract.id}`);
  await page.waitForSelector("#certificate-link:not([hidden])");
  await screenshot(page, "certificate-button.png");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.click("#certificate-link"),
  ]);
  assert.equal(download.suggestedFilename(), `certificate-${contract.registration_no}.pdf`);
  const pdf = await readFile(await download.path());
  assert.equal(pdf.subarray(0, 5).toString(), "%PDF-", "a PDF");
  assert.ok(pdf.includes("/FontFile3"), "its font is embedded");
  assert.ok(pdf.length > 5000 && pdf.length < 400000, `a subset font, not the whole: ${pdf.length} bytes`);

  const pending = await pick("pending");
  if (pending) {
    await page.goto(`${base}/contracts/${pending.id}`);
    await page.waitForSelector(`#contract[aria-busy="false"] #c-status .tag`);
    assert.ok(await page.isHidden("#certificate-link"), "a pending contract has no certificate");
  }
  assert.deepEqual(page.errors, [], "no script errors");
}
