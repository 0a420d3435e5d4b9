/* Price history charts with Plotly (served by this service from the plotly package), and the same
   figures as a table for readers who cannot use the chart. */
"use strict";

window.GSChart = (function () {
  const { el, clear, money, timeEl, parseTime } = window.GS;

  /** A timestamp as Plotly wants it: wall-clock time in the reader's zone, no zone suffix. */
  function plotlyTime(text) {
    const when = parseTime(text);
    if (!when) return null;
    const pad = (n) => String(n).padStart(2, "0");
    return when.getFullYear() + "-" + pad(when.getMonth() + 1) + "-" + pad(when.getDate()) + " " +
      pad(when.getHours()) + ":" + pad(when.getMinutes()) + ":" + pad(when.getSeconds());
  }

  /** Text for Plotly's labels, which read a few HTML tags and entities: shown as written. */
  function plotlyText(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  /** The x axis's range: Plotly's own, unless the prices were all seen within a day (then a day
      either side, so the axis reads as dates rather than seconds). */
  function timeRange(series) {
    const times = series.flatMap((s) => s.observations.map((o) => parseTime(o.observed_at))).filter(Boolean).map((t) => t.getTime());
    if (!times.length) return undefined;
    const first = Math.min(...times);
    const last = Math.max(...times);
    const day = 24 * 3600 * 1000;
    if (last - first >= day) return undefined;
    const asText = (ms) => plotlyTime(new Date(ms).toISOString());
    return [asText(first - day), asText(last + day)];
  }

  /**
   * Draws `series` ([{label, observations}]) in `chart`, its figures in `tableBox`; says in `status`
   * what is shown and what has no history. Returns how many series had prices.
   */
  function draw(chart, tableBox, caption, status, series) {
    const withPrices = series.filter((s) => s.observations.some((o) => o.price !== null));
    const empty = series.filter((s) => !withPrices.includes(s));
    clear(tableBox);
    if (window.Plotly) window.Plotly.purge(chart);
    clear(chart);
    if (!withPrices.length) {
      chart.hidden = true;
      caption.textContent = "";
      status.textContent = series.length === 1
        ? "No prices have been recorded for " + series[0].label + " yet."
        : "No prices have been recorded for these products yet.";
      tableBox.append(el("p", { class: "empty", text: "No price history." }));
      return 0;
    }
    chart.hidden = false;
    const traces = withPrices.map((s) => {
      const points = s.observations.filter((o) => o.price !== null);
      return {
        type: "scatter",
        mode: "lines+markers",
        name: plotlyText(s.label),
        x: points.map((o) => plotlyTime(o.observed_at)),
        y: points.map((o) => Number(o.price)),
        line: { shape: "hv", width: 2 },
        marker: { size: 9 },
        hovertemplate: "%{x}<br>%{y:$.2f}<extra>%{fullData.name}</extra>",
      };
    });
    const layout = {
      margin: { l: 56, r: 16, t: 16, b: 40 },
      xaxis: { type: "date", title: { text: "When the price was seen" }, automargin: true, range: timeRange(withPrices) },
      yaxis: { title: { text: "Price (" + (window.GS.config.currency || "CAD") + ")" }, tickprefix: "$", tickformat: ".2f", automargin: true },
      legend: { orientation: "h", x: 0, y: -0.25, xanchor: "left", yanchor: "top" },
      hovermode: "closest",
      paper_bgcolor: "#ffffff",
      plot_bgcolor: "#ffffff",
      font: { family: "system-ui, sans-serif", size: 13, color: "#1d2320" },
      colorway: ["#1f6f43", "#c2410c", "#1d4ed8", "#7e22ce", "#b45309", "#0f766e", "#be123c", "#4b5563"],
    };
    const config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
    if (window.Plotly) {
      window.Plotly.newPlot(chart, traces, layout, config);
    } else {
      chart.append(el("p", { class: "empty", text: "The chart library did not load; the table below has the prices." }));
    }
    const points = withPrices.reduce((n, s) => n + s.observations.length, 0);
    caption.textContent = "Shelf price of " + withPrices.length + " product(s) over time, " + points +
      " price(s) seen. Each line holds its price until the next one seen.";
    status.textContent = "The chart shows " + withPrices.length + " product(s)." +
      (empty.length ? " No prices recorded yet for: " + empty.map((s) => s.label).join("; ") + "." : "");
    const figures = table(withPrices);
    window.GS.labelCells(figures.querySelector("table"));
    tableBox.append(figures);
    return withPrices.length;
  }

  function table(series) {
    const body = el("tbody");
    for (const s of series) {
      for (const o of s.observations) {
        body.append(el(
          "tr",
          {},
          el("th", { scope: "row", text: s.label }),
          el("td", {}, timeEl(o.observed_at)),
          el("td", { class: "num", text: money(o.price) }),
          el("td", { class: "num", text: money(o.regular_price) }),
          el("td", { class: "num", text: o.unit_price === null ? "—" : money(o.unit_price) + (o.unit ? " / " + o.unit : "") }),
          el("td", { text: o.in_stock ? "yes" : "no" }),
        ));
      }
    }
    return el(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Price history table" },
      el(
        "table",
        { class: "history-table stack" },
        el("caption", { class: "visually-hidden", text: "Prices seen, oldest first" }),
        el("thead", {}, el("tr", {},
          ["Product", "Seen", "Price", "Regular price", "Unit price", "In stock"].map((h, i) =>
            el("th", { scope: "col", class: i >= 2 && i <= 4 ? "num" : null, text: h })))),
        body,
      ),
    );
  }

  return { draw };
})();
