/* The product page: searches every store (GET /api/v1/products/search), lists the offers, and charts
   the price history of the ones ticked. */
"use strict";

(function () {
  const { el, clear, money, api, detailText, root, config } = window.GS;
  const PAGE = 50; // rows shown at a time
  const MAX_PICKS = 8;

  const form = document.getElementById("search-form");
  const input = document.getElementById("q");
  const inputError = document.getElementById("q-error");
  const button = document.getElementById("search-button");
  const searchStatus = document.getElementById("search-status");
  const results = document.getElementById("results");
  const rows = document.querySelector("#results-table tbody");
  const count = document.getElementById("result-count");
  const filter = document.getElementById("store-filter");
  const more = document.getElementById("show-more");
  const history = document.getElementById("history");
  const historyStatus = document.getElementById("history-status");

  let offers = []; // the last search's offers
  let shown = PAGE;
  let searchNumber = 0;
  const picks = new Map(); // key -> offer, in the order picked
  const histories = new Map(); // key -> observations
  const keyOf = (o) => o.store_id + "/" + o.sku;

  function setInputError(message) {
    inputError.textContent = message || "";
    inputError.hidden = !message;
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  async function search(query) {
    const number = ++searchNumber;
    setInputError(null);
    button.disabled = true;
    searchStatus.textContent = "Searching every store for “" + query + "”…";
    const response = await api("/api/v1/products/search?q=" + encodeURIComponent(query));
    if (number !== searchNumber) return; // a newer search is under way
    button.disabled = false;
    if (!response.ok) {
      const message = response.status === 422 ? "enter 2 to 100 characters" : detailText(response.body);
      searchStatus.textContent = "The search failed: " + message;
      if (response.status === 422) setInputError(message);
      return;
    }
    offers = response.body.offers;
    shown = PAGE;
    const stores = [...new Map(offers.map((o) => [o.store_id, o.store_name])).entries()];
    clear(filter).append(el("option", { value: "", text: "All stores" }));
    for (const [id, name] of stores) filter.append(el("option", { value: id, text: name }));
    const failures = Object.entries(response.body.failures || {});
    searchStatus.textContent =
      offers.length + " product(s) found for “" + response.body.query + "” at " + stores.length + " store(s)." +
      (failures.length ? " Not answered: " + failures.map(([s, why]) => s + " (" + why + ")").join("; ") + "." : "");
    results.hidden = false;
    renderRows();
  }

  function filtered() {
    return filter.value ? offers.filter((o) => o.store_id === filter.value) : offers;
  }

  function renderRows() {
    const list = filtered();
    clear(rows);
    if (!list.length) {
      rows.append(el("tr", {}, el("td", { colspan: "6", class: "empty", text: "No products found." })));
    }
    list.slice(0, shown).forEach((offer, index) => rows.append(row(offer, index)));
    count.textContent = "Showing " + Math.min(shown, list.length) + " of " + list.length + ".";
    const left = list.length - shown;
    more.hidden = left <= 0;
    more.textContent = "Show " + Math.min(PAGE, left) + " more (" + left + " not shown)";
  }

  function row(offer, index) {
    const key = keyOf(offer);
    const id = "pick-" + index;
    const label = offer.name + (offer.size ? " " + offer.size : "") + " at " + offer.store_name;
    const check = el("input", { type: "checkbox", id: id, class: "pick", checked: picks.has(key), dataset: { key: key } });
    check.addEventListener("change", () => toggle(offer, check));
    const product = el(
      "td",
      {},
      el("a", { href: root + "/products/" + encodeURIComponent(offer.store_id) + "/" + encodeURIComponent(offer.sku), text: offer.name }),
      offer.brand ? el("span", { class: "muted small block", text: offer.brand }) : null,
      offer.in_stock ? null : el("span", { class: "badge bad", text: "out of stock" }),
    );
    const onSale = offer.regular_price !== null && offer.price !== null && Number(offer.regular_price) > Number(offer.price);
    const price = el("td", { class: "num" }, money(offer.price));
    if (onSale) price.append(el("span", { class: "muted small block" }, "was ", el("s", { text: money(offer.regular_price) })));
    const unit = offer.unit_price === null ? "—" : money(offer.unit_price) + (offer.unit ? " / " + offer.unit : "");
    const tr = el(
      "tr",
      { class: picks.has(key) ? "selected" : null },
      el("td", {}, check, el("label", { for: id, class: "visually-hidden", text: "Chart " + label })),
      el("td", { text: offer.store_name }),
      product,
      el("td", { text: offer.size || "—" }),
      price,
      el("td", { class: "num", text: unit }),
    );
    return tr;
  }

  function toggle(offer, check) {
    const key = keyOf(offer);
    if (check.checked) {
      if (picks.size >= MAX_PICKS) {
        check.checked = false;
        historyStatus.textContent = "At most " + MAX_PICKS + " products at a time: untick one first.";
        history.hidden = false;
        return;
      }
      picks.set(key, offer);
    } else {
      picks.delete(key);
    }
    check.closest("tr").classList.toggle("selected", check.checked);
    updateChart();
  }

  let chartNumber = 0;
  async function updateChart() {
    const number = ++chartNumber;
    if (!picks.size) {
      history.hidden = true;
      if (window.Plotly) window.Plotly.purge(document.getElementById("chart"));
      return;
    }
    history.hidden = false;
    historyStatus.textContent = "Loading the price history…";
    const chosen = [...picks.entries()];
    await Promise.all(chosen.filter(([key]) => !histories.has(key)).map(async ([key, offer]) => {
      const response = await api(
        "/api/v1/products/" + encodeURIComponent(offer.store_id) + "/" + encodeURIComponent(offer.sku) + "/history",
      );
      if (response.ok) histories.set(key, response.body.observations);
    }));
    if (number !== chartNumber) return;
    const series = chosen.map(([key, offer]) => ({
      label: offer.store_name + ": " + offer.name + (offer.size ? " " + offer.size : ""),
      observations: histories.get(key) || [],
    }));
    window.GSChart.draw(
      document.getElementById("chart"),
      document.getElementById("history-table"),
      document.getElementById("chart-caption"),
      historyStatus,
      series,
    );
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = input.value.trim().replace(/\s+/g, " ");
    if (query.length < 2) {
      setInputError("Enter at least 2 characters.");
      input.focus();
      return;
    }
    const url = new URL(window.location.href);
    url.searchParams.set("q", query);
    window.history.replaceState(null, "", url);
    search(query);
  });
  filter.addEventListener("change", () => {
    shown = PAGE;
    renderRows();
  });
  more.addEventListener("click", () => {
    const first = shown;
    shown += PAGE;
    renderRows();
    const next = rows.querySelectorAll("input.pick")[first];
    if (next) next.focus();
  });
  document.getElementById("clear-picks").addEventListener("click", () => {
    picks.clear();
    for (const check of rows.querySelectorAll("input.pick")) {
      check.checked = false;
      check.closest("tr").classList.remove("selected");
    }
    updateChart();
    input.focus();
  });

  if (config.query && config.query.trim().length >= 2) search(config.query.trim());
})();
