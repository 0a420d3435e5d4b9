/* Shared helpers for the pages. Data from the API only ever reaches the page as text (textContent),
   never as HTML. */
"use strict";

window.GS = (function () {
  const configNode = document.getElementById("page-config");
  const config = configNode ? JSON.parse(configNode.textContent || "{}") : {};
  const root = config.root || "";

  /** An element with attributes and children; strings become text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    append(node, ...children);
    return node;
  }

  /** Appends children (nodes, strings, arrays of them) to `node`; strings as text. */
  function append(node, ...children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  const moneyFormat = new Intl.NumberFormat("en-CA", {
    style: "currency",
    currency: config.currency || "CAD",
    currencyDisplay: "narrowSymbol",
  });

  /** "12.5" -> "$12.50"; null or undefined -> "—". */
  function money(value) {
    if (value === null || value === undefined || value === "") return "—";
    const number = Number(value);
    return Number.isFinite(number) ? moneyFormat.format(number) : String(value);
  }

  function number(value, digits) {
    if (value === null || value === undefined) return "—";
    return Number(value).toLocaleString("en-CA", { maximumFractionDigits: digits === undefined ? 1 : digits });
  }

  function percent(value, digits) {
    if (value === null || value === undefined) return "—";
    return (Number(value) * 100).toLocaleString("en-CA", { maximumFractionDigits: digits === undefined ? 1 : digits }) + "%";
  }

  /** A timestamp from the API; one without a zone is UTC. */
  function parseTime(text) {
    if (!text) return null;
    const zoned = /([zZ]|[+-]\d\d:?\d\d)$/.test(text) ? text : text + "Z";
    const when = new Date(zoned);
    return Number.isNaN(when.getTime()) ? null : when;
  }

  function timeText(text) {
    const when = parseTime(text);
    return when ? when.toLocaleString("en-CA", { dateStyle: "medium", timeStyle: "medium" }) : "—";
  }

  /** A <time> element showing a timestamp in the reader's zone. */
  function timeEl(text) {
    const when = parseTime(text);
    return el("time", { datetime: when ? when.toISOString() : null, text: timeText(text) });
  }

  function bytes(value) {
    if (value === null || value === undefined) return "—";
    const units = ["B", "kB", "MB", "GB"];
    let size = Number(value);
    let unit = 0;
    while (size >= 1000 && unit < units.length - 1) {
      size /= 1000;
      unit += 1;
    }
    return size.toLocaleString("en-CA", { maximumFractionDigits: unit ? 1 : 0 }) + " " + units[unit];
  }

  /** A JSON request to the API: {ok, status, body}; a network failure is status 0. */
  async function api(path, options) {
    let response;
    try {
      response = await fetch(root + path, Object.assign({ headers: { Accept: "application/json" } }, options || {}));
    } catch (error) {
      return { ok: false, status: 0, body: { detail: "the service could not be reached: " + error.message } };
    }
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = { detail: "the service answered " + response.status + " " + response.statusText };
    }
    return { ok: response.ok, status: response.status, body: body };
  }

  /** The message of an API error body. */
  function detailText(body) {
    if (!body) return "unknown error";
    if (typeof body.detail === "string") return body.detail;
    if (Array.isArray(body.detail)) return body.detail.map((d) => d.msg).join("; ");
    return JSON.stringify(body);
  }

  /** A status word as a badge: healthy/met/closed green, degraded/half-open/unknown amber, info grey,
      the rest (unhealthy, open, failed, missed, critical…) red. */
  function badge(text) {
    const value = String(text === null || text === undefined ? "unknown" : text);
    const key = value.toLowerCase();
    const good = ["healthy", "ok", "closed", "succeeded", "met", "live"];
    const warn = ["degraded", "half-open", "warning", "queued", "running", "cancelling", "cancelled", "interrupted",
      "stale", "unknown", "no data", "not measured"];
    const tone = good.includes(key) ? "good" : warn.includes(key) ? "warn" : key === "info" ? "" : "bad";
    return el("span", { class: ("badge " + tone).trim(), text: value });
  }

  /** Each data cell of `table` labelled with its column's heading (data-label), for the phone layout
      of `table.stack`, where a row becomes a small card. */
  function labelCells(table) {
    const headings = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
    for (const row of table.querySelectorAll("tbody tr")) {
      Array.from(row.children).forEach((cell, i) => {
        if (cell.tagName === "TD" && !cell.hasAttribute("colspan") && headings[i]) cell.dataset.label = headings[i];
      });
    }
  }

  return { config, root, el, append, clear, money, number, percent, parseTime, timeText, timeEl, bytes, api, detailText, badge, labelCells };
})();
