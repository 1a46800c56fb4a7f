// Decisions that cannot be taken back ask first (issue 17): approving or refusing a large
// contract (on the approvals queue and on the contract page) and deactivating a user. Declined,
// nothing is sent and nothing changes; accepted, the change is made (approving: 03-registrar).

/** Collects the page's confirmation dialogs, answering each with `answer()`. */
function dialogs(page, answer) {
  const asked = [];
  page.on("dialog", async (d) => {
    asked.push({ type: d.type(), message: d.message() });
    if (answer()) await d.accept();
    else await d.dismiss();
  });
  return asked;
}

/** Every write the page sends (method and path). */
function writes(page) {
  const sent = [];
  page.on("request", (r) => { if (r.method() !== "GET") sent.push(r.method() + " " + new URL(r.url()).pathname); });
  return sent;
}

export async function run({ page: newPage, login, assert, base }) {
  // The second registrar of the office, on the queue, in Chinese.
  const b = await newPage();
  await login(b, "demo-371302-b");
  let accept = false;
  const asked = dialogs(b, () => accept);
  const sent = writes(b);
  await b.goto(base + "/approvals?lang=zh");
  await b.waitForSelector('#approvals[data-ready="true"]');
  const row = await b.$eval("#pending-rows tr:has(button.approve)", (r) => ({ id: r.dataset.id, title: r.querySelector("td a").textContent, wan: r.querySelector("td:nth-child(6)").textContent }));
  const status = async (id) => b.evaluate(async (cid) => (await (await fetch("/api/v1/contracts/" + cid, { credentials: "same-origin" })).json()).status, id);

  await b.click(`tr[data-id="${row.id}"] button.approve`);
  assert.equal(asked.length, 1, "approving asks");
  assert.equal(asked[0].type, "confirm");
  assert.ok(asked[0].message.includes(`《${row.title}》`) && asked[0].message.includes(`${row.wan} 万元`), asked[0].message);
  await b.click(`tr[data-id="${row.id}"] button.refuse-open`);
  await b.fill(`#reason-${row.id}`, "浏览器测试：金额有误");
  await b.click(`tr[data-id="${row.id}"] .refuse-inline button[type=submit]`);
  assert.equal(asked.length, 2, "refusing asks");
  assert.ok(asked[1].message.includes("浏览器测试：金额有误") && asked[1].message.includes(`《${row.title}》`), asked[1].message);
  assert.deepEqual(sent, [], "declined: nothing sent");
  assert.equal(await status(row.id), "pending", "declined: still pending");
  assert.equal(await b.$(`tr[data-id="${row.id}"].decided`), null);

  // The contract page asks too, in English.
  await b.goto(base + `/contracts/${row.id}?lang=en`);
  await b.waitForSelector('#contract[data-ready="true"]');
  await b.click("#approve");
  assert.equal(asked.length, 3, "the contract page asks before approving");
  assert.match(asked[2].message, /^Approve “.+” \(technical amount CNY [\d,]+\.\d\d\)\?/, asked[2].message);
  await b.fill("#refuse-reason", "wrong amount");
  await b.click("#refuse-form button[type=submit]");
  assert.equal(asked.length, 4, "the contract page asks before refusing");
  assert.match(asked[3].message, /^Refuse “.+”.*Reason: wrong amount$/s, asked[3].message);
  assert.deepEqual(sent, [], "declined: nothing sent");
  assert.equal(await status(row.id), "pending");
  await b.context().close();

  // An administrator deactivating a user: declined keeps them active; accepted deactivates.
  const admin = await newPage();
  await login(admin, "admin", process.env.TL_ADMIN_PASSWORD);
  const name = "confirm-" + String(Date.now()).slice(-8);
  const created = await admin.evaluate(async (username) => {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const r = await fetch("/api/v1/users", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ username, display_name: "确认测试", role: "official", password: "Confirm-Test-2026!" }),
    });
    return { status: r.status, body: await r.json() };
  }, name);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  let yes = false;
  const adminAsked = dialogs(admin, () => yes);
  await admin.goto(base + "/admin/users");
  await admin.waitForSelector(`tr[data-username="${name}"] button.deactivate`);
  await admin.click(`tr[data-username="${name}"] button.deactivate`);
  assert.equal(adminAsked.length, 1, "deactivating asks");
  assert.ok(adminAsked[0].message.includes(name), adminAsked[0].message);
  assert.ok(await admin.$(`tr[data-username="${name}"] button.deactivate`), "declined: still active");
  yes = true;
  await admin.click(`tr[data-username="${name}"] button.deactivate`);
  await admin.waitForSelector(`tr[data-username="${name}"] button.reactivate`);
  assert.equal(adminAsked.length, 2);
  await admin.context().close();
}
