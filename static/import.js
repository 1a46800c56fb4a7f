// 批量导入: a CSV or XLSX file is checked first (dry run: which row, which field, why), then
// committed whole (only when no row is rejected) or only its good rows (partial=true). The
// file's bytes go as they are; the server reads them with the same rules as the API.
"use strict";

(() => {
  const form = document.getElementById("import-form");
  if (!form) return;
  const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  const esc = TL.escapeHtml;
  const input = document.getElementById("file");
  const report = document.getElementById("report");
  const imported = document.getElementById("imported");
  const commitAll = document.getElementById("commit-all");
  const commitGood = document.getElementById("commit-good");
  const state = { file: null, report: null, keys: {}, busy: false };

  function fieldLabel(field) {
    if (!field) return "";
    const [head, tail] = field.includes(".") ? field.split(".", 2) : [null, field];
    const named = (k) => TL.maybe(k);
    const own = named("reg.field." + tail) || named("reg.party." + tail) || tail;
    const side = head ? named("reg.col." + head) || head : null;
    return (side ? side + " · " : "") + own;
  }

  function reset() {
    state.report = null;
    state.keys = {};
    report.hidden = true;
    imported.hidden = true;
    commitAll.disabled = true;
    commitGood.disabled = true;
    TLP.clearErrors(form);
  }
  input.addEventListener("change", () => {
    state.file = input.files && input.files[0] ? input.files[0] : null;
    TLP.setText("file-name", state.file ? state.file.name : TL.t("reg.imp.no_file_chosen"));
    reset();
  });

  function send(dryRun, partial) {
    const file = state.file;
    const name = file.name || "import";
    const type = /\.xlsx$/i.test(name) ? XLSX : "text/csv";
    const headers = { "Content-Type": type, "X-File-Name": encodeURIComponent(name) };
    if (!dryRun) {
      const mode = partial ? "partial" : "all";
      if (!state.keys[mode]) state.keys[mode] = TL.newKey();
      headers["Idempotency-Key"] = state.keys[mode];
    }
    // Shown after the server refused a file imported before, or rows like live contracts.
    const confirm = document.getElementById("confirm_duplicate").checked;
    return TL.api("POST", `/api/v1/imports?dry_run=${dryRun}&partial=${partial}&confirm_duplicate=${confirm}`, file, headers);
  }

  /** Table rows for [{row, errors:[{field, message, message_zh}]}]: one per error, the row number once. */
  function reportRows(reports) {
    const rows = [];
    for (const report of reports) {
      const errors = report.errors && report.errors.length ? report.errors : [{ field: "", message: "", message_zh: "" }];
      errors.forEach((e, i) => rows.push(`<tr data-row="${esc(report.row)}">
          ${i === 0 ? `<th scope="row" class="num" rowspan="${errors.length}">${esc(report.row)}</th>` : ""}
          <td>${esc(fieldLabel(e.field))} <span class="muted mono">${esc(e.field)}</span></td>
          <td>${esc(TLP.fieldMessage(e))}</td>
        </tr>`));
    }
    return rows.join("");
  }

  function showReport(r) {
    state.report = r;
    const rejected = r.rejected || [];
    TLP.setText("r-rows", r.rows);
    TLP.setText("r-accepted", r.accepted);
    TLP.setText("r-rejected", rejected.length);
    TLP.setText("good-count", r.accepted);
    TLP.setText("r-file", state.file ? state.file.name : "");
    document.getElementById("rejected").innerHTML = reportRows(rejected);
    const warnings = r.warnings || [];
    document.getElementById("warnings").innerHTML = reportRows(warnings);
    document.getElementById("warnings-wrap").hidden = warnings.length === 0;
    document.getElementById("rejected-wrap").hidden = rejected.length === 0;
    document.getElementById("all-good").hidden = rejected.length !== 0;
    document.getElementById("commit-all-hint").hidden = rejected.length === 0;
    commitAll.disabled = rejected.length !== 0 || !r.accepted;
    commitGood.disabled = !(rejected.length && r.accepted);
    report.hidden = false;
    report.dataset.rejected = String(rejected.length);
    report.dataset.accepted = String(r.accepted);
    report.focus();
  }

  function fail(r) {
    const duplicate = r.body && (String(r.body.type || "").endsWith(":duplicate_file") || (r.body.rejected || []).some((x) => (x.errors || []).some((e) => e.field === "confirm_duplicate")));
    if (duplicate) document.getElementById("duplicate-box").hidden = false;
    // A commit refused because of rejected rows carries them: show them again.
    if (r.body && Array.isArray(r.body.rejected)) {
      const rejected = r.body.rejected;
      const rows = state.report ? state.report.rows : rejected.length;
      showReport({ rows, accepted: Math.max(0, rows - rejected.length), rejected });
    }
    TLP.showProblem(form, r);
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (state.busy) return;
    reset();
    if (!state.file) {
      TLP.showErrors(form, [{ field: "file", message: TL.t("reg.imp.no_file"), message_zh: TL.t("reg.imp.no_file") }]);
      input.focus();
      return;
    }
    state.busy = true;
    const check = document.getElementById("check");
    check.disabled = true;
    try {
      const r = await send(true, false);
      if (r.ok) showReport(r.body);
      else fail(r);
    } catch (err) {
      TLP.showProblem(form, { status: 0, body: { detail: TL.t("form.network"), detail_zh: TL.t("form.network") } });
    } finally {
      state.busy = false;
      check.disabled = false;
    }
  });

  async function commit(partial) {
    if (state.busy || !state.file) return;
    state.busy = true;
    commitAll.disabled = true;
    commitGood.disabled = true;
    TLP.clearErrors(form);
    try {
      const r = await send(false, partial);
      if (r.ok) {
        const n = (r.body.contracts || []).length || r.body.accepted || 0;
        TLP.setText("i-count", n);
        const note = TL.t("reg.imp.done_note").replace("{seq}", String(r.body.audit_seq || "")).replace("{rejected}", String((r.body.rejected || []).length));
        TLP.setText("i-note", note);
        imported.dataset.count = String(n);
        imported.hidden = false;
        imported.focus();
        return;
      }
      fail(r);
    } catch (err) {
      TLP.showProblem(form, { status: 0, body: { detail: TL.t("form.network"), detail_zh: TL.t("form.network") } });
    } finally {
      state.busy = false;
    }
    // Refused: the buttons follow the report again.
    if (state.report) {
      const rejected = (state.report.rejected || []).length;
      commitAll.disabled = rejected !== 0 || !state.report.accepted;
      commitGood.disabled = !(rejected && state.report.accepted);
    }
  }
  commitAll.addEventListener("click", () => commit(false));
  commitGood.addEventListener("click", () => commit(true));
})();
