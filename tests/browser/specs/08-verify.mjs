// The public verification page /verify (issue 15), where a certificate's QR code leads
// (issue 16): the QR code of a real certificate is decoded and opened; without signing in, a
// registered demo contract is "included" in Chinese and in English, its proof and checkpoint
// signature checked in the browser against the key whose fingerprint the page shows; an
// unknown number is not found; a genuine receipt pasted or uploaded is included, a tampered
// one fails.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/** The text of the URL in the QR code of a certificate PDF (poppler's pdftoppm, zbar's zbarimg). */
async function qrLink(pdf) {
  const dir = await mkdtemp(path.join(tmpdir(), "tl-qr-"));
  await writeFile(path.join(dir, "certificate.pdf"), pdf);
  execFileSync("pdftoppm", ["-r", "200", "-png", "-singlefile", "certificate.pdf", "page"], { cwd: dir });
  return execFileSync("zbarimg", ["--raw", "-q", "page.png"], { cwd: dir }).toString().trim();
}

async function verdictOf(page) {
  await page.waitForSelector("#verdict[data-verdict]");
  return {
    code: await page.getAttribute("#verdict", "data-verdict"),
    text: await page.textContent("#verdict"),
  };
}

/** The states of the "what was checked" lines, keyed by their first words. */
async function checks(page) {
  return page.$$eval("#checks li", (lis) => lis.map((li) => ({ state: li.dataset.state, text: li.textContent })));
}

export async function run({ page: newPage, login, screenshot, assert, base }) {
  // A registrar's registered contract, its receipt and its certificate.
  const reg = await newPage();
  await login(reg, "demo-371302-a");
  const contract = await reg.evaluate(async () => {
    const res = await fetch("/api/v1/contracts?status=registered&office=371302&limit=1");
    return (await res.json()).items[0] || null;
  });
  assert.ok(contract && contract.registration_no, "the demo data has a registered contract in 兰山区");
  const no = contract.registration_no;
  const expected = `${base}/verify?no=${no}`;

  // The contract page links to its public verification and offers its receipt.
  await reg.goto(`${base}/contracts/${contract.id}`);
  await reg.waitForSelector("#verify-link:not([hidden])");
  assert.equal(await reg.getAttribute("#verify-link", "href"), `/verify?no=${no}`);
  const [download] = await Promise.all([reg.waitForEvent("download"), reg.click("#receipt-link")]);
  const receipt = JSON.parse(await readFile(await download.path(), "utf8"));
  assert.equal(receipt.entry.entity.id, contract.id);

  // The certificate's QR code, decoded, is the page's address for this number.
  const pdf = await reg.evaluate(async (id) => {
    const res = await fetch(`/api/v1/contracts/${id}/certificate.pdf`);
    return Array.from(new Uint8Array(await res.arrayBuffer()));
  }, contract.id);
  assert.equal(await qrLink(Buffer.from(pdf)), expected, "the QR code links to /verify?no=");

  // Anyone, not signed in, opens it: included, in Chinese.
  const anon = await newPage();
  await anon.goto(expected);
  let v = await verdictOf(anon);
  assert.equal(v.code, "included", v.text);
  assert.ok(v.text.startsWith("已收录"), v.text);
  assert.equal(anon.url(), expected, "no sign-in asked");
  const zhFacts = await anon.textContent("#particulars");
  assert.ok(zhFacts.includes(no) && zhFacts.includes("已登记"), zhFacts);
  let lines = await checks(anon);
  assert.ok(lines.some((l) => l.state === "ok" && l.text.includes("Ed25519")), "the signature checked in the browser: " + JSON.stringify(lines));
  assert.ok(lines.some((l) => l.state === "ok" && l.text.includes("RFC 9162")), JSON.stringify(lines));
  assert.ok(!lines.some((l) => l.state === "failed"), JSON.stringify(lines));
  // The key shown is the log's, and its fingerprint is SHA-256 of the key — computed here.
  const keys = await (await fetch(`${base}/log/keys`)).json();
  const root = Buffer.from(keys.vkeys[0].split("+").slice(2).join("+"), "base64").subarray(1);
  const fingerprint = createHash("sha256").update(root).digest("hex");
  assert.equal(await anon.getAttribute("#keys tr:first-child", "data-fingerprint"), fingerprint);
  assert.ok((await anon.textContent("#cli")).includes(`--trust-root ${fingerprint}`));
  const size = Number(await anon.textContent("#cp-size"));
  assert.ok(size >= receipt.entry.seq, `the checkpoint (${size}) covers the entry`);
  assert.match(await anon.textContent("#cp-root"), /^[0-9a-f]{64}$/);
  await screenshot(anon, "verify-included.png", true);

  // In English.
  const en = await newPage(1366, 768, "en-US");
  await en.goto(`${expected}&lang=en`);
  v = await verdictOf(en);
  assert.equal(v.code, "included", v.text);
  assert.ok(v.text.startsWith("Included"), v.text);
  assert.ok((await en.textContent("#particulars")).includes("Registered"));

  // An unknown number is not found.
  await anon.fill("#no", "2026371302999999");
  await anon.click("#by-number button[type=submit]");
  await anon.waitForFunction(() => document.querySelector("#verdict").dataset.verdict !== "included");
  v = await verdictOf(anon);
  assert.equal(v.code, "not_found", v.text);
  assert.ok(v.text.startsWith("未收录"), v.text);

  // A genuine receipt, pasted: its leaf computed here, included in its checkpoint and the latest.
  async function pasted(value) {
    await anon.goto(`${base}/verify`);
    await anon.fill("#receipt-text", typeof value === "string" ? value : JSON.stringify(value));
    await anon.click("#by-receipt button[type=submit]");
    return verdictOf(anon);
  }
  v = await pasted(receipt);
  assert.equal(v.code, "included", v.text);
  lines = await checks(anon);
  assert.ok(lines.some((l) => l.state === "ok" && l.text.includes("SHA-256(0x00")), JSON.stringify(lines));
  assert.ok(lines.filter((l) => l.state === "ok").length >= 6, JSON.stringify(lines));
  assert.equal(await anon.textContent("#leaf-hash"), receipt.inclusion.leaf_hash);

  // Tampered: the amount, the proof, the checkpoint's root.
  const amount = structuredClone(receipt);
  amount.entry.payload.state.contract_amount = "9" + amount.entry.payload.state.contract_amount;
  v = await pasted(amount);
  assert.equal(v.code, "tampered", v.text);
  assert.ok(v.text.startsWith("证明不成立"), v.text);
  await screenshot(anon, "verify-tampered.png", true);

  const forged = structuredClone(receipt);
  if (forged.inclusion.hashes.length) forged.inclusion.hashes[0] = "00".repeat(32);
  else forged.inclusion.leaf_index += 1;
  v = await pasted(forged);
  assert.equal(v.code, "tampered", "a forged proof: " + v.text);

  const root2 = structuredClone(receipt);
  const cp = root2.checkpoint.split("\n");
  cp[2] = Buffer.alloc(32, 7).toString("base64");
  root2.checkpoint = cp.join("\n");
  v = await pasted(root2);
  assert.equal(v.code, "tampered", "a checkpoint with another root: " + v.text);

  v = await pasted("{not json");
  assert.equal(v.code, "bad_receipt", v.text);

  // Uploaded as a file.
  await anon.goto(`${base}/verify`);
  await anon.setInputFiles("#receipt-file", {
    name: "receipt.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(receipt)),
  });
  v = await verdictOf(anon);
  assert.equal(v.code, "included", "an uploaded receipt: " + v.text);

  // The unknown number's lookup is a 404, which Chromium logs; nothing else may be.
  const expected404 = (e) => e.includes("status of 404");
  assert.equal(anon.errors.filter(expected404).length, 1, "the one 404: " + anon.errors.join("; "));
  for (const p of [reg, anon, en]) assert.deepEqual(p.errors.filter((e) => !expected404(e) || p !== anon), [], "no script errors");
}
