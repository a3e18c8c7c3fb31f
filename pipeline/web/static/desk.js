// Service desk page: token in localStorage, queue sorted by the API (urgency), case view, live updates.
"use strict";
const $ = (sel) => document.querySelector(sel);
const TOKEN_KEY = "sociallisten.token";
let selected = null;
let source = null;
let refreshTimer = null;
let liveGeneration = 0; // bumped by every connectLive(): late answers of an earlier one are dropped

function token() { return localStorage.getItem(TOKEN_KEY) || ""; }

function showError(message) {
  const box = $("#error");
  box.textContent = message || "";
  box.hidden = !message;
}

async function api(path, options = {}) {
  const headers = { Authorization: "Bearer " + token() };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch(path, { method: options.method || "GET", headers,
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined });
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (!resp.ok) {
    let detail = data && data.detail;
    if (detail && typeof detail === "object") detail = detail.message || JSON.stringify(detail);
    const err = new Error(`${resp.status}: ${detail || resp.statusText}`);
    err.status = resp.status;
    throw err;
  }
  return data;
}

function text(tag, value, cls) {
  const el = document.createElement(tag);
  el.textContent = value == null ? "" : String(value);
  if (cls) el.className = cls;
  return el;
}

// only http(s) links: never javascript:, data: or anything else an event's text may carry
function webUrl(url) { return typeof url === "string" && /^https?:\/\//i.test(url); }

function when(iso) { return iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false }) : ""; }

function filterQuery() {
  const params = new URLSearchParams();
  const form = new FormData($("#filters"));
  for (const [k, v] of form.entries()) if (v) params.set(k, v);
  params.set("limit", "200");
  return params.toString();
}

async function loadQueue() {
  if (!token()) return;
  try {
    const data = await api("/api/cases?" + filterQuery());
    renderQueue(data.cases);
    showError("");
  } catch (e) {
    showError(e.message);
  }
}

function renderQueue(cases) {
  const body = $("#queue tbody");
  body.replaceChildren();
  $("#empty").hidden = cases.length > 0;
  for (const c of cases) {
    const tr = document.createElement("tr");
    tr.dataset.caseId = c.case_id;
    tr.dataset.status = c.status;
    if (c.overdue) tr.classList.add("overdue");
    if (c.case_id === selected) tr.classList.add("selected");
    const p = text("td", c.priority, "p-" + c.priority);
    if (c.overdue) { p.append(" "); p.append(text("span", "overdue", "badge overdue-flag")); }
    tr.append(p, text("td", c.status, "status"), text("td", c.platform), text("td", c.category),
      text("td", c.author_name || c.author_id), text("td", c.text, "text"), text("td", when(c.next_due)));
    tr.addEventListener("click", () => openCase(c.case_id));
    body.append(tr);
  }
}

async function openCase(caseId) {
  selected = caseId;
  try {
    const c = await api("/api/cases/" + encodeURIComponent(caseId));
    renderCase(c);
    for (const tr of document.querySelectorAll("#queue tbody tr"))
      tr.classList.toggle("selected", tr.dataset.caseId === caseId);
    showError("");
  } catch (e) { showError(e.message); }
}

function renderCase(c) {
  $("#case-pane").hidden = false;
  $("#case-pane").dataset.caseId = c.case_id;
  $("#case-pane").dataset.status = c.status;
  $("#case-title").textContent = `${c.case_id} · ${c.status}`;
  const meta = $("#case-meta");
  meta.replaceChildren();
  const link = document.createElement(webUrl(c.link) ? "a" : "span");
  if (webUrl(c.link)) { link.href = c.link; link.target = "_blank"; link.rel = "noopener noreferrer"; }
  link.textContent = c.platform + (webUrl(c.link) ? " ↗" : "");
  meta.append(link, ` · ${c.author_name || c.author_id} (${c.author_followers} followers${c.author_verified ? ", verified" : ""})`,
    ` · ${c.category} · ${c.priority} · ${c.sentiment}${c.brand ? " · " + c.brand : ""}`,
    c.assignee ? ` · assignee ${c.assignee}` : "", ` · first response due ${when(c.first_response_due)}`);
  const thread = $("#thread");
  thread.replaceChildren();
  for (const m of c.messages || []) {
    const li = document.createElement("li");
    li.append(text("span", when(m.created_at), "when"), text("span", m.text, "msg"));
    thread.append(li);
  }
  const audit = $("#audit");
  audit.replaceChildren();
  for (const a of c.audit || []) {
    const li = document.createElement("li");
    li.append(text("span", when(a.at), "when"),
      text("span", `${a.op} by ${a.actor}: ${a.from_status || "—"} → ${a.to_status}${a.note ? " — " + a.note : ""}`));
    audit.append(li);
  }
}

async function act(op, body = {}) {
  if (!selected) return;
  try {
    await api(`/api/cases/${encodeURIComponent(selected)}/${op}`, { method: "POST", body });
    showError("");
  } catch (e) { showError(e.message); }
  await openCase(selected);
  await loadQueue();
}

// EventSource sends no headers: the stream opens with a short-lived ticket, never the token itself.
async function connectLive() {
  if (source) source.close();
  source = null;
  const generation = ++liveGeneration;
  if (!token() || !window.EventSource) return;
  let ticket;
  try {
    ticket = (await api("/api/stream-ticket", { method: "POST" })).ticket;
  } catch (e) {
    if (generation === liveGeneration && e.status !== 401 && e.status !== 403) setTimeout(retryLive(generation), 5000);
    return;
  }
  if (generation !== liveGeneration) return;
  source = new EventSource("/api/cases/stream?ticket=" + encodeURIComponent(ticket));
  source.onopen = () => $("#live").classList.add("on");
  source.onerror = () => {
    $("#live").classList.remove("on");
    // a stream the browser gave up on (e.g. its ticket expired): a new ticket, then the stream again
    if (source && source.readyState === EventSource.CLOSED) setTimeout(retryLive(generation), 2000);
  };
  source.addEventListener("case", (ev) => {
    scheduleRefresh();
    try {
      const item = JSON.parse(ev.data);
      if (item.case && item.case.case_id === selected) openCase(selected);
    } catch (e) { /* ignore malformed */ }
  });
}

function retryLive(generation) {
  return () => { if (generation === liveGeneration) connectLive(); };
}

function scheduleRefresh() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => { refreshTimer = null; loadQueue(); }, 300);
}

function start() {
  $("#token").value = token() ? "••••••••" : "";
  loadQueue();
  connectLive();
}

$("#login").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const value = $("#token").value.trim();
  if (value && !/^•+$/.test(value)) localStorage.setItem(TOKEN_KEY, value);
  start();
});
$("#logout").addEventListener("click", () => {
  localStorage.removeItem(TOKEN_KEY);
  liveGeneration += 1;
  if (source) source.close();
  $("#queue tbody").replaceChildren();
  $("#case-pane").hidden = true;
  $("#token").value = "";
});
$("#filters").addEventListener("change", loadQueue);
$("#claim").addEventListener("click", () => act("claim"));
$("#resolve").addEventListener("click", () => act("resolve"));
$("#reopen").addEventListener("click", () => act("reopen"));
$("#escalate").addEventListener("click", () => act("escalate"));
$("#reply-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const note = $("#reply-note").value.trim();
  if (!note) { showError("write a reply first"); return; }
  act("reply", { note }).then(() => { $("#reply-note").value = ""; });
});
setInterval(loadQueue, 10000); // fallback when the live stream is unavailable
start();
