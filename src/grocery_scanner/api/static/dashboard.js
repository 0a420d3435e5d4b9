/* The operations dashboard: polls /api/v1/dashboard and shows its figures. */
"use strict";

(function () {
  const { el, clear, number, percent, bytes, badge, timeEl, timeText, api, detailText, config } = window.GS;
  const every = Math.max(1, Number(config.poll_s) || 5) * 1000;
  // the SLA targets: how to show them (the API gives the name, goal, its direction and value)
  const SLA = {
    plan_p95_s: { label: "Plan time, 95th percentile", unit: "s" },
    batch_p95_s: { label: "Batch time, 95th percentile", unit: "s" },
    recovery_p95_s: { label: "Recovery time, 95th percentile", unit: "s" },
    success_rate: { label: "Plan success rate", unit: "%" },
    peak_memory_mb: { label: "Peak memory", unit: "MB" },
    quality_score: { label: "Data quality score", unit: "" },
  };
  const $ = (id) => document.getElementById(id);
  let timer = null;
  let paused = false;
  let lastAlerts = null;
  let lastGood = null;

  function cell(text, cls) {
    return el("td", { class: cls || null, text: text });
  }

  function fill(tbody, rows, columns, emptyText) {
    clear(tbody);
    if (!rows.length) {
      tbody.append(el("tr", {}, el("td", { colspan: String(columns), class: "empty", text: emptyText })));
      return;
    }
    for (const row of rows) tbody.append(row);
    window.GS.labelCells(tbody.closest("table"));
  }

  function ms(value) {
    return value === null || value === undefined ? "—" : number(value, 0) + " ms";
  }

  function slaValue(name, value) {
    const how = SLA[name] || { unit: "" };
    if (value === null || value === undefined) return "—";
    if (how.unit === "%") return percent(value, 1);
    return number(value, 2) + (how.unit ? " " + how.unit : "");
  }

  function trendText(trend) {
    if (!trend) return "—";
    let text = (trend.slope_per_h >= 0 ? "+" : "") + number(trend.slope_per_h, 3) + " an hour";
    if (trend.breach_at) text += "; may miss the goal by " + timeText(trend.breach_at);
    return text;
  }

  function render(d) {
    const measured = $("measured-at");
    const fresh = timeEl(d.measured_at);
    measured.setAttribute("datetime", fresh.getAttribute("datetime") || "");
    measured.dataset.raw = d.measured_at;
    measured.textContent = fresh.textContent;

    // health
    const health = d.health || {};
    $("health-score").textContent = health.score === null || health.score === undefined ? "—" : number(health.score, 0);
    clear($("health-status")).append(badge(health.status));
    fill(
      document.querySelector("#health-components tbody"),
      (health.components || []).map((c) =>
        el("tr", {}, el("th", { scope: "row", text: c.name }), cell(number(c.score, 0), "num"), el("td", {}, badge(c.status)), cell(c.detail || ""))),
      4,
      "No components measured.",
    );

    // alerts: re-rendered only when they change, so the live region speaks only then
    const alerts = d.alerts || [];
    const alertsKey = JSON.stringify(alerts);
    $("alert-count").textContent = String(alerts.length);
    $("alert-count").className = "badge " + (alerts.length ? "bad" : "good");
    if (alertsKey !== lastAlerts) {
      lastAlerts = alertsKey;
      const list = clear($("alert-list"));
      if (!alerts.length) list.append(el("p", { class: "empty", text: "No alerts firing." }));
      else list.append(el("ul", {}, alerts.map((a) =>
        el("li", {}, badge(a.severity), " ", el("strong", { text: a.summary }), el("span", { class: "muted small block" }, a.key + " · since ", timeEl(a.since))))));
    }

    // dead letters
    const letters = d.dead_letters || { open: 0, latest: [] };
    $("letters-open").textContent = String(letters.open);
    fill(
      document.querySelector("#letters tbody"),
      (letters.latest || []).map((l) =>
        el("tr", {}, el("th", { scope: "row", text: l.store }), cell(l.query), cell(l.error || ""), cell(String(l.attempts), "num"))),
      4,
      "The queue is empty.",
    );

    // stores
    fill(
      document.querySelector("#store-table tbody"),
      (d.stores || []).map((s) =>
        el(
          "tr",
          { dataset: { store: s.store_id } },
          el("th", { scope: "row", text: s.name }),
          el("td", {}, badge(s.status)),
          el("td", {}, badge(s.breaker)),
          cell(percent(s.success_rate, 1), "num"),
          cell(String(s.calls), "num"),
          cell(ms(s.p50_ms), "num"),
          cell(ms(s.p95_ms), "num"),
          cell(number(s.rate_per_s, 1) + "/s", "num"),
          cell(s.last_error || "—"),
        )),
      9,
      "No stores.",
    );

    // SLA
    fill(
      document.querySelector("#sla-table tbody"),
      (d.sla || []).map((f) => {
        const how = SLA[f.name] || { label: f.name };
        const goal = (f.higher_is_better ? "≥ " : "≤ ") + slaValue(f.name, f.target);
        const met = f.compliant === null || f.compliant === undefined ? "no data" : f.compliant ? "met" : "missed";
        return el(
          "tr",
          { dataset: { sla: f.name } },
          el("th", { scope: "row", text: how.label }),
          cell(goal, "num"),
          cell(slaValue(f.name, f.value), "num"),
          cell(String(f.samples), "num"),
          el("td", {}, badge(met)),
          cell(trendText(f.trend)),
        );
      }),
      6,
      "No targets.",
    );

    // cache
    const cache = d.cache || {};
    $("cache-lookups").textContent = cache.lookups === undefined ? "—" : number(cache.lookups, 0);
    $("cache-hit-rate").textContent = percent(cache.hit_rate, 1);
    const tiers = [...new Set([...Object.keys(cache.by_tier || {}), ...Object.keys(cache.sizes || {})])];
    fill(
      document.querySelector("#cache-tiers tbody"),
      tiers.map((tier) => {
        const size = (cache.sizes || {})[tier] || {};
        const rate = (cache.by_tier || {})[tier];
        return el(
          "tr",
          {},
          el("th", { scope: "row", text: tier }),
          cell(cache.lookups ? percent(rate || 0, 1) : "—", "num"),
          cell(size.entries === undefined ? "—" : number(size.entries, 0), "num"),
          cell(size.bytes === undefined ? "—" : bytes(size.bytes), "num"),
        );
      }),
      4,
      "No cache lookups yet.",
    );

    // plans
    const plans = d.plans || {};
    $("plans-active").textContent = String(plans.active === undefined ? "—" : plans.active);
    const recent = clear($("plans-recent"));
    const outcomes = Object.entries(plans.recent || {});
    if (!outcomes.length) recent.append(el("dt", { text: "None yet" }), el("dd", { text: "" }));
    for (const [status, n] of outcomes) recent.append(el("dt", {}, badge(status)), el("dd", { text: String(n) }));

    const strategies = clear($("strategies"));
    if (!(d.strategies || []).length) {
      strategies.append(el("p", { class: "empty", text: "No plans compared yet." }));
    } else {
      strategies.append(el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Strategy comparison" }, el(
        "table",
        { class: "stack" },
        el("thead", {}, el("tr", {}, ["Strategy", "Compared with", "Plans", "Mean saving", "Extra stores", "Other cheaper"].map((h) => el("th", { scope: "col", text: h })))),
        el("tbody", {}, d.strategies.map((s) => el(
          "tr",
          {},
          el("th", { scope: "row", text: s.strategy }),
          cell(s.other_strategy),
          cell(String(s.plans), "num"),
          cell(window.GS.money(s.mean_saving), "num"),
          cell(number(s.mean_extra_stores, 2), "num"),
          cell(percent(s.other_cheaper_share, 0), "num"),
        ))),
      )));
      window.GS.labelCells(strategies.querySelector("table"));
    }

    const background = clear($("background"));
    const warming = d.warming || {};
    const recovery = d.recovery || {};
    const kv = (key, value) => background.append(el("dt", { text: key }), el("dd", { text: value }));
    kv("Last cache warming", Object.keys(warming).length ? Object.entries(warming).map(([k, v]) => k + ": " + (typeof v === "object" ? JSON.stringify(v) : v)).join(", ") : "not yet");
    kv("Start-up recovery", Object.keys(recovery).length ? Object.entries(recovery).map(([k, v]) => k + " " + v).join(", ") : "—");
  }

  let inFlight = false;
  async function poll() {
    if (inFlight) return;
    inFlight = true;
    if (timer !== null) window.clearTimeout(timer);
    timer = null;
    const response = await api("/api/v1/dashboard");
    inFlight = false;
    const problem = $("dash-error");
    if (response.ok) {
      lastGood = response.body.measured_at;
      problem.hidden = true;
      render(response.body);
    } else {
      problem.hidden = false;
      problem.textContent = "Could not update: " + detailText(response.body) +
        (lastGood ? ". The figures shown were measured " + timeText(lastGood) + "." : ".");
    }
    schedule();
  }

  function schedule() {
    if (timer !== null) window.clearTimeout(timer);
    timer = paused || document.hidden ? null : window.setTimeout(poll, every);
  }

  $("pause").addEventListener("click", (event) => {
    paused = !paused;
    event.currentTarget.setAttribute("aria-pressed", paused ? "true" : "false");
    event.currentTarget.textContent = paused ? "Resume updates" : "Pause updates";
    if (paused) schedule();
    else poll();
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && !paused && timer === null) poll();
    else schedule();
  });

  poll();
})();
