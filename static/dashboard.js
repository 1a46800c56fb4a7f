// 官员看板: reads the statistics API and draws the charts (Apache ECharts, served from
// /static/vendor). Amounts arrive as exact yuan strings; the headline figures are formatted
// exactly with BigInt, charts get Numbers for drawing only.
"use strict";

(() => {
  const root = document.getElementById("dashboard");
  if (!root) return;
  const year = root.dataset.year;
  const zh = document.body.dataset.lang !== "en";
  const label = (row) => (zh ? row.label_zh : row.label_en);
  const palette = ["#3fb1e3", "#6be6c1", "#f9c74f", "#f9844a", "#a0a7e6", "#c4ebad", "#96dee8", "#f28482", "#84a59d", "#cdb4db", "#ffafcc", "#90be6d", "#577590", "#43aa8b", "#e76f51"];
  const text = "#d9e6f5";
  const grid = { left: 8, right: 16, top: 24, bottom: 8, containLabel: true };
  const axis = { axisLabel: { color: text }, axisLine: { lineStyle: { color: "#4a6285" } }, splitLine: { lineStyle: { color: "#20385c" } } };
  const charts = [];

  function chart(id, option) {
    const el = document.getElementById(id);
    const c = echarts.init(el, null, { renderer: "canvas" });
    c.setOption(Object.assign({ color: palette, textStyle: { color: text }, animationDuration: 600 }, option));
    charts.push(c);
    return c;
  }

  function setText(id, value) {
    const el = document.getElementById(id);
    if (el) el.textContent = value;
  }

  function percent(ratio) {
    return ratio == null ? "—" : (Math.round(ratio * 1000) / 10).toFixed(1) + "%";
  }

  async function get(path) {
    const r = await TL.api("GET", path);
    if (!r.ok) throw new Error(path + ": " + r.status);
    return r.body;
  }

  // The log checkpoint the figures were computed at, with the command that checks them.
  function showCheckpoint(summary) {
    const cp = summary.checkpoint;
    if (!cp) return;
    const link = document.getElementById("checkpoint-link");
    link.href = "/log/checkpoint/" + cp.tree_size;
    setText("checkpoint-size", String(cp.tree_size));
    const root = document.getElementById("checkpoint-root");
    root.textContent = cp.root_hash.slice(0, 16) + "…";
    root.title = cp.root_hash;
    const origin = window.location.origin;
    setText("verify-command", [
      "curl -s " + origin + "/log/checkpoint/" + cp.tree_size + " > checkpoint.txt",
      "curl -s -H 'Authorization: Bearer …' '" + origin + "/api/v1/stats/summary?year=" + summary.year + "' > summary.json",
      "curl -s -H 'Authorization: Bearer …' " + origin + "/api/v1/audit/export > audit.jsonl",
      "techledger verify figures --year " + summary.year + " --checkpoint checkpoint.txt --export audit.jsonl \\",
      "    --trust-root <root fingerprint 根密钥指纹> --summary summary.json",
    ].join("\n"));
    document.getElementById("verify-link").addEventListener("click", () => {
      document.getElementById("verify-figures").open = true;
    });
    document.getElementById("figures-checkpoint").hidden = false;
  }

  async function load() {
    const q = "year=" + encodeURIComponent(year);
    const [summary, month, office, type, field, flow, review, sellers, buyers] = await Promise.all([
      get("/api/v1/stats/summary?" + q),
      get("/api/v1/stats/breakdown?by=month&" + q),
      get("/api/v1/stats/breakdown?by=office&" + q),
      get("/api/v1/stats/breakdown?by=contract_type&" + q),
      get("/api/v1/stats/breakdown?by=tech_field&" + q),
      get("/api/v1/stats/breakdown?by=flow&" + q),
      get("/api/v1/stats/breakdown?by=review&" + q),
      get("/api/v1/stats/top-parties?side=seller&limit=10&" + q),
      get("/api/v1/stats/top-parties?side=buyer&limit=10&" + q),
    ]);

    // Headline figures, exact.
    const headline = document.getElementById("kpi-turnover");
    headline.textContent = TL.yi(summary.turnover);
    headline.dataset.yuan = summary.turnover;
    setText("kpi-turnover-target", TL.yi(summary.targets.turnover));
    setText("kpi-forecast", TL.yi(summary.forecast_turnover));
    setText("kpi-technical", TL.yi(summary.technical_amount));
    setText("kpi-contracts", String(summary.contracts));
    setText("kpi-contracts-target", String(summary.targets.contracts));
    setText("kpi-introduced", String(summary.introduced));
    setText("kpi-introduced-target", String(summary.targets.introduced));
    setText("kpi-elapsed", percent(summary.progress.year_elapsed));
    setText("as-of", summary.as_of);
    setText("audit-seq", String(summary.audit_seq));
    showCheckpoint(summary);
    const fill = (id, ratio) => { document.getElementById(id).style.width = Math.min(100, (ratio || 0) * 100) + "%"; };
    fill("bar-contracts", summary.progress.contracts);
    fill("bar-introduced", summary.progress.introduced);

    chart("chart-gauge", {
      series: [{
        type: "gauge", startAngle: 210, endAngle: -30, min: 0, max: 100, radius: "95%",
        progress: { show: true, width: 14, itemStyle: { color: "#f9c74f" } },
        axisLine: { lineStyle: { width: 14, color: [[1, "#20385c"]] } },
        axisTick: { show: false }, splitLine: { show: false }, axisLabel: { show: false }, pointer: { show: false },
        title: { show: true, offsetCenter: [0, "45%"], color: "#9fb4cf", fontSize: 12 },
        detail: { valueAnimation: true, fontSize: 28, fontWeight: 700, color: "#fff", offsetCenter: [0, "0%"], formatter: (v) => v.toFixed(1) + "%" },
        data: [{ value: Math.min(100, (summary.progress.turnover || 0) * 100), name: TL.t("dash.of_target") }],
      }],
    });

    // Cumulative turnover against the straight-line path to the target.
    const months = month.rows.map((r) => label(r));
    let running = 0;
    const cumulative = month.rows.map((r) => (running += TL.yiNumber(r.turnover)));
    const target = TL.yiNumber(summary.targets.turnover);
    const path = month.rows.map((_, i) => (target * (i + 1)) / 12);
    const thisYear = String(new Date().getFullYear()) === String(year);
    const currentMonth = new Date().getMonth();
    chart("chart-cumulative", {
      grid, tooltip: { trigger: "axis", valueFormatter: (v) => (v == null ? "—" : v.toFixed(2) + " " + TL.t("common.yi")) },
      legend: { textStyle: { color: text }, top: 0 },
      xAxis: Object.assign({ type: "category", data: months }, axis),
      yAxis: Object.assign({ type: "value", name: TL.t("common.yi"), nameTextStyle: { color: text } }, axis),
      series: [
        { name: TL.t("chart.turnover"), type: "line", smooth: true, areaStyle: { opacity: 0.25 }, data: cumulative.map((v, i) => (thisYear && i > currentMonth ? null : v)) },
        { name: TL.t("chart.target_path"), type: "line", lineStyle: { type: "dashed", color: "#f9844a" }, itemStyle: { color: "#f9844a" }, symbol: "none", data: path },
      ],
    });

    chart("chart-office", {
      grid, tooltip: { trigger: "axis", valueFormatter: (v) => v.toFixed(2) + " " + TL.t("common.yi") },
      xAxis: Object.assign({ type: "category", data: office.rows.map(label), axisLabel: { color: text, interval: 0, rotate: 30 } }, { axisLine: axis.axisLine }),
      yAxis: Object.assign({ type: "value", name: TL.t("common.yi") }, axis),
      series: [{ type: "bar", barMaxWidth: 28, itemStyle: { borderRadius: [4, 4, 0, 0] }, data: office.rows.map((r) => TL.yiNumber(r.turnover)) }],
    });

    const donut = (id, rows) => chart(id, {
      tooltip: { trigger: "item", valueFormatter: (v) => v.toFixed(2) + " " + TL.t("common.yi") },
      legend: { bottom: 0, textStyle: { color: text }, type: "scroll" },
      series: [{ type: "pie", radius: ["42%", "70%"], center: ["50%", "44%"], label: { color: text, formatter: "{b}\n{d}%" },
        data: rows.filter((r) => TL.fen(r.turnover) > 0n).map((r) => ({ name: label(r), value: TL.yiNumber(r.turnover) })) }],
    });
    donut("chart-type", type.rows);
    donut("chart-flow", flow.rows);
    donut("chart-review", review.rows);

    const fields = field.rows.slice().sort((a, b) => (TL.fen(a.turnover) < TL.fen(b.turnover) ? -1 : 1));
    chart("chart-field", {
      grid, tooltip: { trigger: "axis", valueFormatter: (v) => v.toFixed(2) + " " + TL.t("common.yi") },
      xAxis: Object.assign({ type: "value", name: TL.t("common.yi") }, axis),
      yAxis: Object.assign({ type: "category", data: fields.map(label) }, axis),
      series: [{ type: "bar", barMaxWidth: 18, itemStyle: { borderRadius: [0, 4, 4, 0] }, data: fields.map((r) => TL.yiNumber(r.turnover)) }],
    });

    const top = (id, rows) => chart(id, {
      grid, tooltip: { trigger: "axis", valueFormatter: (v) => v.toFixed(2) + " " + TL.t("common.wan") },
      xAxis: Object.assign({ type: "value", name: TL.t("common.wan") }, axis),
      yAxis: Object.assign({ type: "category", inverse: true, data: rows.map((p) => p.name), axisLabel: { color: text, width: 150, overflow: "truncate" } }, { axisLine: axis.axisLine }),
      series: [{ type: "bar", barMaxWidth: 16, data: rows.map((p) => TL.wanNumber(p.turnover)) }],
    });
    top("chart-sellers", sellers);
    top("chart-buyers", buyers);
    root.dataset.ready = "true";
  }

  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  load().catch((e) => {
    const el = document.getElementById("dash-error");
    el.hidden = false;
    el.textContent = TL.t("common.error") + ": " + e.message;
    root.dataset.ready = "error";
  });
})();
