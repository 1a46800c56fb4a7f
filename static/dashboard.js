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
  // Light text on the wall screen; dark ink when printed (the print stylesheet turns the page white).
  const SCREEN_TEXT = "#d9e6f5";
  const PRINT_TEXT = "#1c2733";
  let text = SCREEN_TEXT;
  // Everything of a chart (axis labels, the unit naming the value axis) stays inside its box.
  const grid = { left: 8, right: 16, top: 30, bottom: 8, outerBoundsMode: "same", outerBoundsContain: "all" };
  const line = { lineStyle: { color: "#4a6285" } };
  const split = { lineStyle: { color: "#20385c" } };
  const charts = [];
  /** The unit of money on an axis: 亿元 / 万元 (English: CNY 100M / CNY 10k). */
  const unitYi = TL.t("chart.unit_yi");
  const unitWan = TL.t("chart.unit_wan");
  const grouped = (v) => Number(v).toLocaleString(zh ? "zh-CN" : "en-US", { maximumFractionDigits: 2 });
  /** A value axis of money: its unit named at its end, its labels grouped in thousands. */
  const moneyAxis = (unit, narrow, horizontal) => ({
    type: "value", name: unit, nameTextStyle: { color: text, align: horizontal ? "right" : "left" },
    nameLocation: "end", nameGap: horizontal ? 10 : 12, splitNumber: narrow ? 3 : 5,
    axisLabel: { color: text, formatter: grouped, hideOverlap: true }, axisLine: line, splitLine: split,
  });
  const measure = document.createElement("canvas").getContext("2d");
  /**
   * How many lines a label takes wrapped at `width` px as the charts wrap it: Chinese between
   * any two characters, other words whole (a word wider than the line is broken).
   */
  function linesOf(label, width) {
    measure.font = "12px sans-serif";
    const tokens = label.match(/[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+|\s+/g) || [];
    let lines = 1;
    let used = 0;
    for (const token of tokens) {
      const w = measure.measureText(token).width;
      if (/^\s+$/.test(token)) {
        if (used > 0) used += w;
      } else if (used + w <= width) {
        used += w;
      } else {
        if (used > 0) lines += 1;
        lines += Math.max(0, Math.ceil(w / width) - 1);
        used = w % width;
      }
    }
    return lines;
  }

  /**
   * The height a sideways bar chart needs so that its category labels, wrapped at `width` px,
   * never run into each other: every row as tall as the most lines a label takes, plus the
   * chart's axis and padding (0, the box as it is, when every label keeps to one line).
   */
  function rowsHeight(labels, width) {
    const most = Math.max(1, ...labels.map((l) => linesOf(l, Math.max(1, width))));
    return most === 1 ? 0 : labels.length * (most * 14 + 8) + 70;
  }

  /** A category axis whose labels wrap rather than being cut ("技…"). */
  const categoryAxis = (labels, width) => ({
    type: "category", data: labels, axisLine: line,
    axisLabel: { color: text, interval: 0, width, overflow: "break", lineHeight: 14 },
  });

  /** Draws a chart (SVG: crisp in print, and its texts can be checked). `build(narrow, width)`
   *  makes the option for the chart's width; a resize rebuilds it. */
  function chart(id, build) {
    const el = document.getElementById(id);
    const c = echarts.init(el, null, { renderer: "svg" });
    const base = el.clientHeight;
    const draw = () => {
      const width = el.clientWidth;
      const option = build(width < 560, width);
      // A chart whose labels need more room than its box (`boxHeight`) grows to it.
      const height = Math.max(base, option.boxHeight || 0);
      delete option.boxHeight;
      if (el.clientHeight !== height) {
        el.style.height = height + "px";
        c.resize();
      }
      c.setOption(Object.assign({ color: palette, textStyle: { color: text }, animationDuration: 600 }, option), true);
    };
    draw();
    charts.push({ c, draw });
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

  /** Growth from `previous` to `current` (BigInt) in per cent with one decimal, signed. */
  function growth(current, previous) {
    if (previous === 0n) return null;
    const diff = current - previous;
    const size = diff < 0n ? -diff : diff;
    const tenths = (size * 2000n + previous) / (2n * previous);
    return (diff < 0n ? "−" : "+") + (tenths / 10n).toString() + "." + (tenths % 10n).toString() + "%";
  }

  function showGrowth(id, current, previous, base) {
    const el = document.getElementById(id);
    const g = growth(current, previous);
    el.querySelector(".yoy-value").textContent = g === null ? "—" : g;
    el.querySelector(".yoy-base").textContent = TL.t("dash.yoy_base") + " " + base;
    el.dataset.direction = g === null ? "none" : current < previous ? "down" : current > previous ? "up" : "flat";
    el.hidden = false;
  }

  // 同比 as statistics offices count it: the months of the year completed so far (1–N月累计)
  // against the same months of the previous year, by registration date; a finished year
  // against the whole previous year.
  async function yearOnYear(summary, month) {
    const previous = await get("/api/v1/stats/breakdown?by=month&year=" + (Number(year) - 1));
    const day = summary.as_of;
    const running = day.startsWith(year + "-") && day.slice(5) !== "12-31";
    const months = running ? Number(day.slice(5, 7)) - 1 : 12;
    root.dataset.yoyMonths = String(months);
    const period = months === 12 ? TL.t("dash.yoy_full_year")
      : zh ? `1–${months}月` : `Jan–${new Date(2000, Math.max(0, months - 1), 1).toLocaleString("en", { month: "short" })}`;
    document.querySelectorAll(".yoy-period").forEach((el) => { el.textContent = zh ? "（" + period + "）" : " (" + period + ")"; });
    const sum = (rows, f) => rows.slice(0, months).reduce((total, r) => total + f(r), 0n);
    const pairs = [
      ["yoy-turnover", (r) => TL.fen(r.turnover), (v) => TL.yi((v / 100n).toString() + "." + (v % 100n).toString().padStart(2, "0")) + " " + TL.t("common.yi")],
      ["yoy-contracts", (r) => BigInt(r.contracts), (v) => v + " " + TL.t("common.contracts_unit")],
      ["yoy-introduced", (r) => BigInt(r.introduced), (v) => v + " " + TL.t("common.contracts_unit")],
    ];
    for (const [id, f, words] of pairs) {
      const before = sum(previous.rows, f);
      showGrowth(id, months ? sum(month.rows, f) : 0n, months ? before : 0n, words(before));
    }
  }

  // Per-office targets, where configured: each office's turnover against its own target.
  function officeTargets(rows) {
    const targeted = rows.filter((r) => r.target);
    if (!targeted.length) return;
    const body = document.getElementById("office-target-rows");
    body.innerHTML = targeted.map((r) => {
      const ratio = Number(TL.fen(r.turnover)) / Number(TL.fen(r.target));
      return `<tr data-office="${TL.escapeHtml(r.key)}">
        <th scope="row">${TL.escapeHtml(label(r))}</th>
        <td class="num">${TL.yi(r.turnover)}</td>
        <td class="num">${TL.yi(r.target)}</td>
        <td class="num completion">${percent(ratio)}</td>
        <td class="bar-col"><div class="bar"><div class="bar-fill" data-ratio="${ratio}"></div></div></td>
      </tr>`;
    }).join("");
    body.querySelectorAll(".bar-fill").forEach((el) => { el.style.width = Math.min(100, Number(el.dataset.ratio) * 100) + "%"; });
    document.getElementById("office-targets").hidden = false;
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
    setText("office-elapsed", percent(summary.progress.year_elapsed));
    setText("kpi-completion", percent(summary.progress.turnover));
    setText("as-of", summary.as_of);
    setText("audit-seq", String(summary.audit_seq));
    showCheckpoint(summary);
    const fill = (id, ratio) => { document.getElementById(id).style.width = Math.min(100, (ratio || 0) * 100) + "%"; };
    fill("bar-contracts", summary.progress.contracts);
    fill("bar-introduced", summary.progress.introduced);

    chart("chart-gauge", () => ({
      series: [{
        type: "gauge", startAngle: 210, endAngle: -30, min: 0, max: 100, radius: "95%",
        progress: { show: true, width: 14, itemStyle: { color: "#f9c74f" } },
        axisLine: { lineStyle: { width: 14, color: [[1, "#20385c"]] } },
        axisTick: { show: false }, splitLine: { show: false }, axisLabel: { show: false }, pointer: { show: false },
        title: { show: true, offsetCenter: [0, "45%"], color: "#9fb4cf", fontSize: 12 },
        detail: { valueAnimation: true, fontSize: 28, fontWeight: 700, color: "#fff", offsetCenter: [0, "0%"], formatter: (v) => v.toFixed(1) + "%" },
        data: [{ value: Math.min(100, (summary.progress.turnover || 0) * 100), name: TL.t("dash.completion") }],
      }],
    }));

    // Cumulative turnover against the straight-line path to the target.
    const months = month.rows.map((r) => label(r));
    let running = 0;
    const cumulative = month.rows.map((r) => (running += TL.yiNumber(r.turnover)));
    const target = TL.yiNumber(summary.targets.turnover);
    const path = month.rows.map((_, i) => (target * (i + 1)) / 12);
    const thisYear = String(new Date().getFullYear()) === String(year);
    const currentMonth = new Date().getMonth();
    const yiTip = (v) => (v == null ? "—" : v.toFixed(2) + " " + TL.t("common.yi"));
    chart("chart-cumulative", (narrow) => ({
      grid: Object.assign({}, grid, { top: 56 }), tooltip: { trigger: "axis", valueFormatter: yiTip },
      legend: { textStyle: { color: text }, top: 0 },
      xAxis: { type: "category", data: months, axisLine: line, axisLabel: { color: text, hideOverlap: true } },
      yAxis: moneyAxis(unitYi, narrow, false),
      series: [
        { name: TL.t("chart.turnover"), type: "line", smooth: true, areaStyle: { opacity: 0.25 }, data: cumulative.map((v, i) => (thisYear && i > currentMonth ? null : v)) },
        { name: TL.t("chart.target_path"), type: "line", lineStyle: { type: "dashed", color: "#f9844a" }, itemStyle: { color: "#f9844a" }, symbol: "none", data: path },
      ],
    }));

    // By office: columns on a wide screen, bars (names readable) on a narrow one.
    const offices = office.rows.map(label);
    const officeValues = office.rows.map((r) => TL.yiNumber(r.turnover));
    chart("chart-office", (narrow, width) => (narrow ? {
      grid, tooltip: { trigger: "axis", valueFormatter: yiTip },
      xAxis: moneyAxis(unitYi, narrow, true),
      yAxis: Object.assign(categoryAxis(offices, Math.round(width * 0.3)), { inverse: true }),
      series: [{ type: "bar", barMaxWidth: 14, itemStyle: { borderRadius: [0, 4, 4, 0] }, data: officeValues }],
    } : {
      grid, tooltip: { trigger: "axis", valueFormatter: yiTip },
      xAxis: { type: "category", data: offices, axisLine: line, axisLabel: { color: text, interval: 0, rotate: 30 } },
      yAxis: moneyAxis(unitYi, narrow, false),
      series: [{ type: "bar", barMaxWidth: 28, itemStyle: { borderRadius: [4, 4, 0, 0] }, data: officeValues }],
    }));

    // Shares: the legend names each part with its share (slice labels would be cut at the edge).
    const donut = (id, rows) => {
      const parts = rows.filter((r) => TL.fen(r.turnover) > 0n).map((r) => ({ name: label(r), value: TL.yiNumber(r.turnover) }));
      const total = parts.reduce((sum, p) => sum + p.value, 0);
      const share = new Map(parts.map((p) => [p.name, total ? (p.value / total) * 100 : 0]));
      chart(id, () => ({
        tooltip: { trigger: "item", valueFormatter: yiTip },
        legend: { bottom: 0, left: "center", textStyle: { color: text }, itemGap: 8, formatter: (name) => `${name} ${share.get(name).toFixed(1)}%` },
        series: [{ type: "pie", radius: ["34%", "58%"], center: ["50%", "38%"], label: { show: false }, data: parts }],
      }));
    };
    donut("chart-type", type.rows);
    donut("chart-flow", flow.rows);
    donut("chart-review", review.rows);

    const fields = field.rows.slice().sort((a, b) => (TL.fen(a.turnover) < TL.fen(b.turnover) ? -1 : 1));
    chart("chart-field", (narrow, width) => {
      const labelWidth = Math.round(width * (narrow ? 0.36 : 0.42));
      return {
        grid, tooltip: { trigger: "axis", valueFormatter: yiTip },
        xAxis: moneyAxis(unitYi, narrow, true),
        yAxis: categoryAxis(fields.map(label), labelWidth),
        series: [{ type: "bar", barMaxWidth: 18, itemStyle: { borderRadius: [0, 4, 4, 0] }, data: fields.map((r) => TL.yiNumber(r.turnover)) }],
        boxHeight: rowsHeight(fields.map(label), labelWidth),
      };
    });

    const top = (id, rows) => chart(id, (narrow, width) => {
      const labelWidth = Math.round(width * (narrow ? 0.5 : 0.3));
      return {
        grid, tooltip: { trigger: "axis", valueFormatter: (v) => v.toFixed(2) + " " + TL.t("common.wan") },
        xAxis: moneyAxis(unitWan, narrow, true),
        yAxis: Object.assign(categoryAxis(rows.map((p) => p.name), labelWidth), { inverse: true }),
        series: [{ type: "bar", barMaxWidth: 16, data: rows.map((p) => TL.wanNumber(p.turnover)) }],
        boxHeight: rowsHeight(rows.map((p) => p.name), labelWidth),
      };
    });
    top("chart-sellers", sellers);
    top("chart-buyers", buyers);
    officeTargets(office.rows);
    await yearOnYear(summary, month).catch(() => {});
    root.dataset.ready = "true";
  }

  window.addEventListener("resize", () => charts.forEach(({ c, draw }) => { c.resize(); draw(); }));
  // Printing: dark ink on white, charts redrawn to the printed width; back to the screen after.
  const redraw = (ink) => { text = ink; charts.forEach(({ c, draw }) => { c.resize(); draw(); }); };
  window.addEventListener("beforeprint", () => redraw(PRINT_TEXT));
  window.addEventListener("afterprint", () => redraw(SCREEN_TEXT));
  const print = document.getElementById("print-page");
  if (print) print.addEventListener("click", () => window.print());
  load().catch((e) => {
    const el = document.getElementById("dash-error");
    el.hidden = false;
    el.textContent = TL.t("common.error") + ": " + e.message;
    root.dataset.ready = "error";
  });
})();
