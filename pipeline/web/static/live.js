// Live mentions page: EventSource on /api/mentions/stream (token in localStorage, sent only in the
// Authorization header; the stream opens with a short-lived ?ticket= from POST /api/stream-ticket).
(function () {
  "use strict";
  const MAX_ITEMS = 300;
  const $ = (id) => document.getElementById(id);
  const filters = ["brand", "competitor", "signal", "platform", "sentiment"];
  let source = null;
  let shown = 0;
  let opened = 0; // bumped by every connect(): late answers of an earlier one are dropped

  function text(tag, value, cls) {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    el.textContent = value;
    return el;
  }

  function addMention(m) {
    if (document.querySelector(`#mentions li[data-event-id="${CSS.escape(m.event_id)}"]`)) return;
    const li = document.createElement("li");
    li.dataset.eventId = m.event_id;
    li.className = m.sentiment;
    const meta = text("div", `${m.platform} · ${m.author_name || m.author_id} · ${new Date(m.created_at).toLocaleString()}`, "meta");
    li.appendChild(meta);
    li.appendChild(text("div", m.text, "text"));
    const tags = document.createElement("div");
    m.brands.forEach((b) => tags.appendChild(text("span", b, "tag brand")));
    m.signals.forEach((s) => tags.appendChild(text("span", s, "tag signal")));
    li.appendChild(tags);
    const list = $("mentions");
    list.insertBefore(li, list.firstChild);
    while (list.children.length > MAX_ITEMS) list.removeChild(list.lastChild);
    shown += 1;
    $("count").textContent = String(shown);
  }

  function showCounters(rows) {
    const body = $("counters").querySelector("tbody");
    body.textContent = "";
    rows.slice().reverse().forEach((r) => {
      const tr = document.createElement("tr");
      [new Date(r.minute).toLocaleTimeString().slice(0, 5), r.mentions, r.negative, r.service_requests, r.competitor_mentions]
        .forEach((v) => tr.appendChild(text("td", String(v))));
      body.appendChild(tr);
    });
  }

  function addAlert(a) {
    if (document.querySelector(`#alerts li[data-alert-id="${CSS.escape(a.alert_id)}"]`)) return;
    const li = text("li", a.explanation, a.severity);
    li.dataset.alertId = a.alert_id;
    li.insertBefore(text("strong", `${a.brand} · ${a.signal} (${a.severity}) `), li.firstChild);
    const list = $("alerts");
    list.insertBefore(li, list.firstChild);
  }

  function params() {
    const p = new URLSearchParams();
    filters.forEach((f) => { const v = $("f-" + f).value.trim(); if (v) p.set(f, v); });
    return p;
  }

  function setStatus(on, label) {
    $("status").className = "status " + (on ? "on" : "off");
    $("status").textContent = label;
  }

  async function loadAlerts(token) {
    try {
      const p = new URLSearchParams({ limit: "20" });
      if ($("f-brand").value.trim()) p.set("brand", $("f-brand").value.trim());
      const resp = await fetch("/api/alerts?" + p, { headers: { Authorization: "Bearer " + token } });
      if (resp.ok) (await resp.json()).reverse().forEach(addAlert);
    } catch (e) { /* the stream still works */ }
  }

  // Hot events and rising terms: loaded on connect, then at most every INSIGHT_MS while mentions arrive.
  const INSIGHT_MS = 5000;
  let insightAt = 0;
  let insightTimer = null;

  function fillList(id, rows, line, meta) {
    const list = $(id);
    list.textContent = "";
    rows.forEach((r) => {
      const li = text("li", line(r));
      li.appendChild(text("div", meta(r), "meta"));
      list.appendChild(li);
    });
  }

  async function loadInsights(token, generation) {
    insightAt = Date.now();
    const brand = $("f-brand").value.trim();
    const get = async (path, p) => {
      const resp = await fetch(path + "?" + new URLSearchParams(p), { headers: { Authorization: "Bearer " + token } });
      return resp.ok ? resp.json() : null;
    };
    try {
      const events = await get("/api/events", brand ? { limit: "10", brand } : { limit: "10" });
      const trends = await get("/api/trends", brand ? { brand } : {});
      if (generation !== opened) return;
      if (events) fillList("events", events, (e) => e.first_text,
        (e) => `${e.posts} posts · ${e.reposts} reposts · ${e.copies} copies · ${e.authors} authors · ` +
               `${Math.round(100 * e.low_quality_share)}% low quality · ${e.platforms.join(", ")}`);
      if (trends) {
        fillList("trends", trends.terms.slice(0, 10), (t) => t.term, (t) => `${t.mentions} (expected ${t.expected})`);
        fillList("new-words", trends.new_words.slice(0, 10), (w) => w.word, (w) => `${w.count}×`);
      }
    } catch (e) { /* the stream still works */ }
  }

  function insightsSoon(token, generation) {
    if (insightTimer) return;
    const wait = Math.max(0, insightAt + INSIGHT_MS - Date.now());
    insightTimer = setTimeout(() => { insightTimer = null; if (generation === opened) loadInsights(token, generation); }, wait);
  }

  // EventSource sends no headers: open the stream with a short-lived ticket, never the token itself.
  async function streamTicket(token) {
    const resp = await fetch("/api/stream-ticket", { method: "POST", headers: { Authorization: "Bearer " + token } });
    if (!resp.ok) { const err = new Error("ticket refused: " + resp.status); err.status = resp.status; throw err; }
    return (await resp.json()).ticket;
  }

  async function open(token, generation) {
    let ticket;
    try {
      ticket = await streamTicket(token);
    } catch (e) {
      if (generation !== opened) return;
      if (e.status === 401 || e.status === 403) { setStatus(false, "token refused"); return; }
      setStatus(false, "reconnecting");
      setTimeout(() => { if (generation === opened) open(token, generation); }, 3000);
      return;
    }
    if (generation !== opened) return;
    const p = params();
    p.set("ticket", ticket);
    source = new EventSource("/api/mentions/stream?" + p);
    source.onopen = () => setStatus(true, "live");
    source.onerror = () => {
      setStatus(false, "reconnecting");
      // a stream the browser gave up on (e.g. its ticket expired): a new ticket, then the stream again
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(() => { if (generation === opened) open(token, generation); }, 2000);
      }
    };
    source.addEventListener("mention", (e) => { addMention(JSON.parse(e.data)); insightsSoon(token, generation); });
    source.addEventListener("counters", (e) => showCounters(JSON.parse(e.data)));
    source.addEventListener("alert", (e) => addAlert(JSON.parse(e.data)));
  }

  function connect() {
    const token = $("token").value.trim();
    localStorage.setItem("sociallisten.token", token);
    filters.forEach((f) => localStorage.setItem("sociallisten.f." + f, $("f-" + f).value));
    if (source) source.close();
    source = null;
    opened += 1;
    $("mentions").textContent = "";
    shown = 0;
    if (!token) { setStatus(false, "token needed"); return; }
    open(token, opened);
    loadAlerts(token);
    loadInsights(token, opened);
  }

  $("token").value = localStorage.getItem("sociallisten.token") || "";
  filters.forEach((f) => { $("f-" + f).value = localStorage.getItem("sociallisten.f." + f) || ""; });
  $("settings").addEventListener("submit", (e) => { e.preventDefault(); connect(); });
  connect();
})();
