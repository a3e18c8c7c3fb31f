// Live mentions page: EventSource on /api/mentions/stream (token in localStorage, sent as ?token=).
(function () {
  "use strict";
  const MAX_ITEMS = 300;
  const $ = (id) => document.getElementById(id);
  const filters = ["brand", "competitor", "signal", "platform", "sentiment"];
  let source = null;
  let shown = 0;

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

  function connect() {
    const token = $("token").value.trim();
    localStorage.setItem("sociallisten.token", token);
    filters.forEach((f) => localStorage.setItem("sociallisten.f." + f, $("f-" + f).value));
    if (source) source.close();
    $("mentions").textContent = "";
    shown = 0;
    if (!token) { setStatus(false, "token needed"); return; }
    const p = params();
    p.set("token", token);
    source = new EventSource("/api/mentions/stream?" + p);
    source.onopen = () => setStatus(true, "live");
    source.onerror = () => setStatus(false, "reconnecting");
    source.addEventListener("mention", (e) => addMention(JSON.parse(e.data)));
    source.addEventListener("counters", (e) => showCounters(JSON.parse(e.data)));
    source.addEventListener("alert", (e) => addAlert(JSON.parse(e.data)));
    loadAlerts(token);
  }

  $("token").value = localStorage.getItem("sociallisten.token") || "";
  filters.forEach((f) => { $("f-" + f).value = localStorage.getItem("sociallisten.f." + f) || ""; });
  $("settings").addEventListener("submit", (e) => { e.preventDefault(); connect(); });
  connect();
})();
