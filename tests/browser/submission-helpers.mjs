// Helpers of the online-submission specs (09-submissions, 06-every-page): valid credit codes,
// a real one-page PDF, an applicant created by a registrar, a submission made through the API.

const CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** A unified social credit code (GB 32100) with both check characters right, from `n`. */
export function creditCode(n) {
  const org = String(n % 100000000).padStart(8, "0");
  const orgSum = org.split("").reduce((s, c, i) => s + Number(c) * [3, 7, 9, 10, 5, 8, 4, 2][i], 0);
  const orgCheck = { 10: "X", 11: "0" }[11 - (orgSum % 11)] || String(11 - (orgSum % 11));
  const body = ("91371300" + org + orgCheck).split("");
  const sum = body.reduce((s, c, i) => s + CHARS.indexOf(c) * WEIGHTS[i], 0);
  return body.join("") + CHARS[(31 - (sum % 31)) % 31];
}

/** A unique number for this run (credit codes, usernames). */
export function runNumber() {
  return Date.now() % 10000000000;
}

/** A real, minimal one-page PDF whose text is `text` (ASCII). */
export function minimalPdf(text) {
  const stream = `BT /F1 18 Tf 72 720 Td (${text.replace(/[()\\]/g, "")}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let out = "%PDF-1.4\n";
  const offsets = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += String(off).padStart(10, "0") + " 00000 n \n";
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

/** As the registrar signed in on `page`: creates an active applicant of their office. */
export async function createApplicant(page, username, password, credit) {
  const r = await page.evaluate(async ({ username, password, credit }) => {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const res = await fetch("/api/v1/applicants", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ username, password, display_name: "临沂页面测试科技有限公司", credit_code: credit }),
    });
    return { status: res.status, body: await res.text() };
  }, { username, password, credit });
  if (r.status !== 201) throw new Error(`creating applicant ${username}: ${r.status} ${r.body}`);
}

/** The contract form of a submission to Lanshan whose seller has `seller` as credit code. */
export function submissionForm(seller, buyer, title, amount, year) {
  return {
    title, contract_type: "development", office: "371302",
    seller: { name: "临沂页面测试科技有限公司", credit_code: seller, kind: "enterprise", region: "371302" },
    buyer: { name: "日照某某机械有限公司", credit_code: buyer, kind: "enterprise", region: "371311" },
    signed_on: `${year}-03-01`, contract_amount: amount, technical_amount: amount,
    tech_field: "advanced_manufacturing", ip_type: "patent",
  };
}

/** As the applicant signed in on `page`: submits `form` with a PDF through the API. */
export async function submitThroughApi(page, form, pdf) {
  const r = await page.evaluate(async ({ form, pdf }) => {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const data = new FormData();
    data.append("submission", new Blob([JSON.stringify(form)], { type: "application/json" }));
    data.append("file", new Blob([Uint8Array.from(atob(pdf), (c) => c.charCodeAt(0))], { type: "application/pdf" }), "contract.pdf");
    const res = await fetch("/api/v1/submissions", { method: "POST", headers: { "X-CSRF-Token": csrf }, body: data });
    return { status: res.status, body: await res.json() };
  }, { form, pdf: pdf.toString("base64") });
  if (r.status !== 201) throw new Error(`submitting: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
