/* The plan page: sends the form to POST /api/v1/plans, follows the plan's server-sent events with a
   progress bar, and shows the result grouped by store, with per-store printing and the CSV export. */
"use strict";

(function () {
  const { el, append, clear, money, api, detailText, root } = window.GS;
  const form = document.getElementById("plan-form");
  if (!form) return;

  const FIELD_LABELS = {
    texts: "Recipes or shopping list",
    urls: "Recipe web pages",
    stores: "Stores",
    store_set: "Store set",
    strategy: "Strategy",
    max_stores: "Most stores to visit",
    budget: "Budget",
    servings: "Servings",
    visit_cost: "Visit cost",
    api_key: "API key",
  };
  // the workflow's stages, in order (api: stages_done counts the finished ones)
  const STAGES = [
    ["read", "Reading the recipes"],
    ["search", "Searching the stores"],
    ["quality", "Checking the prices"],
    ["match", "Matching products to ingredients"],
    ["optimise", "Choosing where to buy"],
  ];
  const FINISHED = {
    succeeded: "The plan is ready.",
    failed: "The plan failed",
    cancelled: "The plan was cancelled.",
    timeout: "The plan took too long and was stopped.",
    interrupted: "The plan was interrupted (the service restarted); it resumes when the service starts again.",
  };

  const submitButton = document.getElementById("submit");
  const cancelButton = document.getElementById("cancel");
  const errorBox = document.getElementById("form-errors");
  const errorList = document.getElementById("form-error-list");
  const progress = document.getElementById("progress");
  const progressText = document.getElementById("progress-text");
  const progressSearches = document.getElementById("progress-searches");
  const progressBar = document.getElementById("progress-bar");
  const result = document.getElementById("result");
  let current = null; // the plan being followed: {id, links, source, poll, done}

  // ---- the form -------------------------------------------------------------------------------

  function field(name) {
    return form.querySelector('[data-field="' + name + '"]');
  }

  function control(name) {
    const box = field(name);
    if (!box) return null;
    return name === "stores" ? box.querySelector("input") : box.querySelector("input, textarea, select");
  }

  function clearErrors() {
    errorBox.hidden = true;
    clear(errorList);
    for (const node of form.querySelectorAll(".field-error")) {
      node.hidden = true;
      node.textContent = "";
    }
    for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
    for (const node of form.querySelectorAll(".field.invalid")) node.classList.remove("invalid");
  }

  /** Shows errors [{field, message}] next to their fields and in the summary; focuses the summary. */
  function showErrors(errors) {
    clearErrors();
    for (const error of errors) {
      const box = error.field ? field(error.field) : null;
      const label = error.field ? FIELD_LABELS[error.field] || error.field : "Form";
      const input = box ? control(error.field) : null;
      const item = el("li", { class: "error-item", dataset: { field: error.field || "" } });
      if (input) {
        append(item, el("a", { href: "#" + input.id, text: label }), ": " + error.message);
      } else {
        append(item, el("strong", { text: label }), ": " + error.message);
      }
      errorList.append(item);
      if (box) {
        box.classList.add("invalid");
        const message = box.querySelector(".field-error");
        if (message) {
          message.textContent = message.textContent ? message.textContent + " " + error.message : error.message;
          message.hidden = false;
        }
        if (error.field === "stores") {
          for (const check of box.querySelectorAll("input")) check.setAttribute("aria-invalid", "true");
        } else if (input) {
          input.setAttribute("aria-invalid", "true");
        }
      }
    }
    errorBox.hidden = false;
    errorBox.focus();
  }

  errorList.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    if (!link) return;
    event.preventDefault();
    const target = document.getElementById(link.getAttribute("href").slice(1));
    if (target) target.focus();
  });

  /** The API's errors as [{field, message}]: 422 lists them by location, other errors are one line. */
  function errorsOf(response) {
    const body = response.body || {};
    if (response.status === 422 && Array.isArray(body.detail)) {
      return body.detail.map((d) => {
        const loc = Array.isArray(d.loc) ? d.loc.filter((part) => part !== "body") : [];
        let message = String(d.msg || "is not valid").replace(/^Value error, /, "");
        let name = typeof loc[0] === "string" ? loc[0] : null;
        if (!name) {
          // an error of the whole body names the field it is about in its message
          const named = /\b(texts|urls|stores)\b/.exec(message);
          if (named) name = named[1];
        }
        if (name === "urls" && typeof loc[1] === "number") message = "line " + (loc[1] + 1) + ": " + message;
        return { field: name && FIELD_LABELS[name] ? name : null, message: message };
      });
    }
    const text = detailText(body);
    if (response.status === 401 || response.status === 403) {
      return [{ field: field("api_key") ? "api_key" : null, message: text }];
    }
    const named = /^(\w+): (.*)$/.exec(text);
    if (named && FIELD_LABELS[named[1]]) return [{ field: named[1], message: named[2] }];
    if (/store id|store set/.test(text)) return [{ field: "stores", message: text }];
    if (response.status === 429) return [{ field: null, message: "too many requests: " + text }];
    return [{ field: null, message: text }];
  }

  /** The form as the API's body, or client-side errors. */
  function readForm() {
    const errors = [];
    const body = {};
    const text = form.elements.texts.value;
    body.texts = text.trim() ? [text] : [];
    const urls = form.elements.urls ? form.elements.urls.value.split(/\r?\n/).map((u) => u.trim()).filter(Boolean) : [];
    if (urls.length) body.urls = urls;
    const checks = Array.from(form.querySelectorAll('input[name="stores"]'));
    const chosen = checks.filter((c) => c.checked).map((c) => c.value);
    const defaults = checks.filter((c) => c.dataset.default === "true").map((c) => c.value);
    if (!chosen.length) errors.push({ field: "stores", message: "choose at least one store" });
    const isDefault = chosen.length === defaults.length && chosen.every((id) => defaults.includes(id));
    body.stores = isDefault ? null : chosen;
    body.strategy = form.elements.strategy.value;
    for (const name of ["max_stores", "budget", "servings"]) {
      const input = form.elements[name];
      if (input.validity && input.validity.badInput) {
        errors.push({ field: name, message: "enter a number" });
        continue;
      }
      const value = input.value.trim();
      if (!value) body[name] = null;
      else if (name === "budget") body[name] = value; // a decimal: sent as written
      else body[name] = Number(value);
    }
    return { body, errors };
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (current && !current.done) return;
    const { body, errors } = readForm();
    if (errors.length) {
      showErrors(errors);
      return;
    }
    clearErrors();
    resetOutput();
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    const key = form.elements.api_key ? form.elements.api_key.value.trim() : "";
    if (key) headers["X-API-Key"] = key;
    setBusy(true);
    const response = await api("/api/v1/plans", { method: "POST", headers: headers, body: JSON.stringify(body) });
    if (response.status !== 202) {
      setBusy(false);
      showErrors(errorsOf(response));
      return;
    }
    follow(response.body, headers);
  });

  function setBusy(busy) {
    submitButton.disabled = busy;
    form.setAttribute("aria-busy", busy ? "true" : "false");
    submitButton.textContent = busy ? "Planning…" : "Plan my shop";
  }

  function resetOutput() {
    result.hidden = true;
    progress.hidden = true;
    clear(document.getElementById("store-plans"));
    clear(document.getElementById("plan-issues"));
  }

  // ---- following a plan -----------------------------------------------------------------------

  function follow(accepted, headers) {
    current = { id: accepted.id, links: accepted.links, headers: headers, source: null, poll: null, done: false };
    progress.hidden = false;
    progress.classList.remove("failed");
    progressBar.value = 0;
    progressText.textContent = "Plan " + accepted.id.slice(0, 8) + " is queued…";
    progressSearches.textContent = "";
    cancelButton.hidden = false;
    cancelButton.disabled = false;
    const plan = current;
    if (window.EventSource) {
      const source = new EventSource(root + accepted.links.events);
      plan.source = source;
      source.addEventListener("status", (message) => {
        try {
          onStatus(plan, JSON.parse(message.data));
        } catch (error) {
          /* a malformed event: the next one, or the polling, will do */
        }
      });
      source.addEventListener("error", () => {
        if (plan.done) return;
        source.close(); // the stream broke: poll the status instead
        plan.source = null;
        poll(plan);
      });
    } else {
      poll(plan);
    }
  }

  function poll(plan) {
    if (plan.poll || plan.done) return;
    plan.poll = window.setInterval(async () => {
      const response = await api(plan.links.status);
      if (response.ok) onStatus(plan, response.body);
    }, 1000);
  }

  function stopFollowing(plan) {
    plan.done = true;
    if (plan.source) plan.source.close();
    if (plan.poll) window.clearInterval(plan.poll);
    plan.source = null;
    plan.poll = null;
  }

  function onStatus(plan, status) {
    if (plan.done || plan !== current) return;
    const total = status.stages_total || STAGES.length;
    const done = Math.min(status.stages_done || 0, total);
    let fraction = done / total;
    const searching = status.searches_total > 0 && done < total;
    if (searching && (status.stage === "search" || done === 1)) {
      fraction += Math.min(status.searches_done / status.searches_total, 1) / total;
    }
    if (status.status === "queued") {
      progressText.textContent = "Waiting for a free slot…";
    } else if (status.status === "running" || status.status === "cancelling") {
      const under = STAGES[done] ? STAGES[done][1] : status.stage || "working";
      progressText.textContent =
        (status.status === "cancelling" ? "Cancelling… " : "") + "Step " + Math.min(done + 1, total) + " of " + total + ": " + under;
    }
    if (status.searches_total > 0) {
      progressSearches.textContent = "Searches done: " + status.searches_done + " of " + status.searches_total;
    }
    progressBar.value = Math.round(fraction * 100);
    if (status.status in FINISHED) finish(plan, status);
  }

  async function finish(plan, status) {
    stopFollowing(plan);
    setBusy(false);
    cancelButton.hidden = true;
    if (status.status !== "succeeded") {
      progress.classList.add("failed");
      progressText.textContent = FINISHED[status.status] + (status.error ? ": " + status.error : "");
      return;
    }
    progressBar.value = 100;
    progressText.textContent = "The plan is ready.";
    const response = await api(plan.links.result);
    if (!response.ok) {
      progress.classList.add("failed");
      progressText.textContent = "The plan finished but its result could not be read: " + detailText(response.body);
      return;
    }
    renderResult(plan, response.body);
  }

  cancelButton.addEventListener("click", async () => {
    if (!current || current.done) return;
    cancelButton.disabled = true;
    const response = await api(current.links.cancel, { method: "POST", headers: current.headers });
    progressSearches.textContent = response.ok
      ? "Cancelling…"
      : "It could not be cancelled: " + detailText(response.body);
    if (!response.ok) cancelButton.disabled = false;
  });

  // ---- the result -----------------------------------------------------------------------------

  function renderResult(plan, body) {
    const p = body.plan;
    document.getElementById("csv-link").href = root + plan.links.result + ".csv";
    document.getElementById("result-recipes").textContent = body.recipes && body.recipes.length
      ? "Recipes: " + body.recipes.join(", ")
      : "";
    const total = document.getElementById("plan-total");
    total.textContent = money(p.total);
    total.dataset.value = p.total;
    document.getElementById("plan-store-count").textContent =
      p.stores.length + (p.stores.length === 1 ? " store" : " stores") + " · " + p.strategy;
    const best = document.getElementById("best-single");
    if (p.best_single_store) {
      best.textContent = p.best_single_store + ": " + money(p.best_single_store_total) +
        (p.best_single_store_missing ? " (missing " + p.best_single_store_missing + " item(s))" : "");
    } else {
      best.textContent = "No single store has everything";
    }
    const savings = document.getElementById("plan-savings");
    savings.textContent = p.savings === null || p.savings === undefined ? "—" : money(p.savings);
    savings.dataset.value = p.savings === null || p.savings === undefined ? "" : p.savings;
    const budget = document.getElementById("plan-budget");
    budget.hidden = !p.budget;
    budget.classList.toggle("bad", Boolean(p.over_budget));
    if (p.budget) {
      budget.textContent = p.over_budget
        ? "Over your budget of " + money(p.budget) + " by " + money(p.over_budget) +
          (p.drop_to_meet_budget.length ? ". Leave out " + p.drop_to_meet_budget.join(", ") + " to meet it." : ".")
        : "Within your budget of " + money(p.budget) + ".";
    }

    const stores = clear(document.getElementById("store-plans"));
    const template = document.getElementById("store-template");
    for (const store of p.stores) stores.append(storeSection(template, store));
    renderIssues(body);
    result.hidden = false;
    document.getElementById("result-heading").focus();
  }

  function storeSection(template, store) {
    const section = template.content.firstElementChild.cloneNode(true);
    section.id = "store-" + store.store_id.replace(/[^A-Za-z0-9_-]/g, "_");
    section.dataset.store = store.store_id;
    const heading = section.querySelector(".store-name");
    heading.id = section.id + "-heading";
    heading.textContent = store.store_name;
    section.setAttribute("aria-labelledby", heading.id);
    const button = section.querySelector(".print-store");
    button.textContent = "Print this list";
    button.setAttribute("aria-label", "Print the " + store.store_name + " shopping list");
    button.addEventListener("click", () => printOnly(section));
    section.querySelector(".store-why").textContent = store.why || "";
    section.querySelector("caption").textContent = "Shopping list for " + store.store_name;
    section.querySelector(".table-wrap").setAttribute("aria-label", "Shopping list for " + store.store_name);
    const rows = section.querySelector("tbody");
    for (const line of store.lines) rows.append(lineRow(line));
    const total = section.querySelector(".store-total");
    total.textContent = money(store.total);
    total.dataset.value = store.total;
    return section;
  }

  function lineRow(line) {
    const product = el("td", { class: "product" }, el("span", { class: "product-name", text: line.product }));
    if (line.brand && !line.product.toLowerCase().includes(line.brand.toLowerCase())) {
      product.append(el("span", { class: "muted small", text: line.brand }));
    }
    const tags = el("span", { class: "tags" });
    if (line.sale) tags.append(el("span", { class: "badge good", text: "sale" }));
    if (line.multi_buy) tags.append(el("span", { class: "badge", text: line.multi_buy }));
    if (line.tier && line.tier !== "live" && line.tier !== "cache") tags.append(el("span", { class: "badge warn", text: line.tier }));
    if (tags.childNodes.length) product.append(tags);
    if (line.quality_warning) product.append(el("span", { class: "warning-text small", text: "Check: " + line.quality_warning }));
    if (line.note) product.append(el("span", { class: "muted small", text: line.note }));
    const unit = line.unit_price !== null && line.unit_price !== undefined
      ? money(line.unit_price) + (line.unit ? " / " + line.unit : "")
      : "—";
    return el(
      "tr",
      {},
      el("td", { class: "print-only check-col", "aria-hidden": "true" }, el("span", { class: "checkbox-box" })),
      el("th", { scope: "row", text: line.ingredient }),
      product,
      el("td", { text: line.size || "—", dataset: { label: "Size" } }),
      el("td", { class: "num", text: String(line.packs), dataset: { label: "Packs" } }),
      el("td", { class: "num money", text: money(line.price), dataset: { label: "Price" } }),
      el("td", { class: "num", text: unit, dataset: { label: "Unit price" } }),
      el("td", { class: "num money line-cost", text: money(line.line_cost), dataset: { value: line.line_cost } }),
    );
  }

  function issueCard(id, title, items) {
    if (!items.length) return null;
    return el(
      "section",
      { class: "card issues", id: id, "aria-labelledby": id + "-heading" },
      el("h3", { id: id + "-heading", text: title }),
      el("ul", {}, items.map((item) => el("li", {}, item))),
    );
  }

  function renderIssues(body) {
    const p = body.plan;
    const box = clear(document.getElementById("plan-issues"));
    const skipped = (item) => {
      const parts = [el("strong", { text: item.ingredient }), ": " + item.reason];
      if (item.candidates && item.candidates.length) parts.push(el("span", { class: "muted small block", text: "Candidates: " + item.candidates.join("; ") }));
      return parts;
    };
    const cards = [
      issueCard("needs-review", "Needs your review", p.needs_review.map(skipped)),
      issueCard("unavailable", "Not available at the chosen stores", p.unavailable.map(skipped)),
      issueCard("pantry", "Assumed in your pantry", p.pantry.map((x) => x)),
      issueCard("warnings", "Warnings", p.warnings.map((x) => x)),
      issueCard("problems", "Lines that could not be read", (body.problems || []).map((x) => x)),
      issueCard(
        "set-aside",
        "Set aside by the price check",
        (p.set_aside || []).map((s) => [el("strong", { text: s.store_name }), ": " + s.product + (s.price ? " (" + s.price + ")" : "") + " — " + s.reason]),
      ),
    ];
    if (body.comparison) {
      const c = body.comparison;
      cards.push(issueCard("comparison", "Compared with another strategy", [
        "The " + c.other_strategy + " strategy would cost " + money(c.other_total) + " at " + c.other_stores +
          " store(s); this plan (" + c.strategy + ") costs " + money(c.total) + " at " + c.stores + ".",
      ]));
    }
    append(box, cards);
  }

  // ---- printing -------------------------------------------------------------------------------

  function endPrint() {
    delete document.body.dataset.printStore;
    for (const node of document.querySelectorAll(".print-target")) node.classList.remove("print-target");
  }

  function printOnly(section) {
    endPrint();
    section.classList.add("print-target");
    document.body.dataset.printStore = section.dataset.store;
    window.print(); // the attribute goes at afterprint
  }

  window.addEventListener("afterprint", endPrint);
  document.getElementById("print-all").addEventListener("click", () => {
    endPrint();
    window.print();
  });

  // ---- store health next to the checkboxes (from /api/v1/stores) --------------------------------

  (async function storeStatus() {
    const response = await api("/api/v1/stores");
    if (!response.ok || !Array.isArray(response.body)) return;
    for (const store of response.body) {
      const node = form.querySelector('.store-status[data-store="' + CSS.escape(store.id) + '"]');
      if (!node || store.status === "unknown") continue;
      const fresh = window.GS.badge(store.breaker !== "closed" ? "breaker " + store.breaker : store.status);
      node.className = fresh.className + " store-status";
      node.textContent = fresh.textContent;
      node.hidden = false;
    }
  })();
})();
