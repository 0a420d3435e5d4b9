/* One product's page: its price history as a chart and a table. */
"use strict";

(async function () {
  const { api, config } = window.GS;
  const path = "/api/v1/products/" + encodeURIComponent(config.store_id) + "/" + encodeURIComponent(config.sku) + "/history";
  const status = document.getElementById("history-status");
  const response = await api(path);
  if (!response.ok) {
    status.textContent = "The price history could not be read: " + window.GS.detailText(response.body);
    return;
  }
  const h = response.body;
  const name = h.product || config.sku;
  const title = [h.brand && !(h.product || "").includes(h.brand) ? h.brand : null, name].filter(Boolean).join(" ");
  document.getElementById("product-title").textContent = title;
  document.title = title + " · Grocery Price Scanner";
  document.getElementById("product-subtitle").textContent =
    [config.store_name, h.size, "product " + h.sku].filter(Boolean).join(" · ");
  window.GSChart.draw(
    document.getElementById("chart"),
    document.getElementById("history-table"),
    document.getElementById("chart-caption"),
    status,
    [{ label: title + (h.size ? " " + h.size : "") + " at " + config.store_name, observations: h.observations }],
  );
})();
