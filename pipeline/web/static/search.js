// Search page: GET /api/mentions (bearer token from localStorage, never in a URL), counts with links
// to their posts, export of the same search, saved searches. Untrusted text only through textContent.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const TOKEN_KEY = "sociallisten.token";
  let cursor = null;
  let current = null;
  let asked = 0; // bumped by every search: late answers of an earlier one are dropped

  function el(tag, value, cls) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (value !== undefined && value !== null) e.textContent = String(value);
    return e;
  }

  function token() { return $("token").value.trim() || localStorage.getItem(TOKEN_KEY) || ""; }
  function headers() { return { Authorization: "Bearer " + token() }; }

  function readForm() {
    return { q: $("q").value, from: $("from").value.trim(), to: $("to").value.trim(), sort: $("sort").value };
  }

  function writeForm(s) {
    $("q").value = s.q || ""; $("from").value = s.from || ""; $("to").value = s.to || "";
    $("sort").value = s.sort || "time";
  }

  function params(s) {
    const p = new URLSearchParams();
    p.set("q", s.q || "");
    if (s.from) p.set("from", s.from);
    if (s.to) p.set("to", s.to);
    if (s.sort && s.sort !== "time") p.set("sort", s.sort);
    return p;
  }

  function pageLink(s) { return "/search?" + params(s).toString(); }

  function showError(message) {
    $("error").hidden = !message;
    $("error").textContent = message || "";
  }

  async function api(path, options) {
    const resp = await fetch(path, Object.assign({ headers: headers() }, options || {}));
    if (!resp.ok) {
      let detail = resp.statusText;
      try { detail = (await resp.json()).detail; } catch (e) { /* not JSON */ }
      const err = new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
      err.detail = detail;
      throw err;
    }
    return resp;
  }

  function queryError(detail, q) {
    if (detail && typeof detail === "object" && "position" in detail) {
      return `${detail.error}\n${q}\n${" ".repeat(detail.position)}^`;
    }
    return String(detail);
  }

  function addHit(h) {
    const li = el("li", null, h.sentiment);
    li.dataset.eventId = h.event_id;
    const when = new Date(h.created_at).toISOString().replace("T", " ").slice(0, 16);
    li.appendChild(el("div", `${h.platform} · ${h.kind} · ${h.author_name || h.author_id} · ${when} UTC · ` +
      `↻${h.reposts} 💬${h.comments} ♥${h.likes}`, "meta"));
    li.appendChild(el("div", h.text, "text"));
    const tags = el("div");
    h.brands.forEach((b) => tags.appendChild(el("span", b, "tag brand")));
    h.signals.forEach((s) => tags.appendChild(el("span", s, "tag signal")));
    if (h.service_category) tags.appendChild(el("span", `${h.service_category} ${h.priority}`, "tag"));
    li.appendChild(tags);
    const why = Object.entries(h.evidence || {}).filter(([, v]) => Array.isArray(v) ? v.length : v)
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join("、") : JSON.stringify(v)}`);
    if (why.length) li.appendChild(el("div", "evidence — " + why.join(" · "), "evidence"));
    $("hits").appendChild(li);
  }

  function showCounts(id, buckets, sort) {
    const list = $(id);
    list.textContent = "";
    const max = Math.max(1, ...buckets.map((b) => b.count));
    buckets.forEach((b) => {
      const li = el("li");
      const link = el("a", b.key);
      const s = { q: b.q, from: b.from || "", to: b.to || "", sort: sort };
      link.href = pageLink(s);
      link.dataset.key = b.key;
      link.addEventListener("click", (ev) => { ev.preventDefault(); go(s, true); });
      const bar = el("span", null, "bar");
      bar.style.width = `${Math.round((b.count / max) * 8 * 10) / 10}rem`;
      li.append(link, bar, el("span", b.count, "n"));
      list.appendChild(li);
    });
  }

  async function load(s, more) {
    const mine = more ? asked : ++asked;
    const p = params(s);
    p.set("limit", "50");
    if (more && cursor) { p.set("cursor", cursor); p.set("counts", "false"); }
    $("status").textContent = "searching…";
    try {
      const page = await (await api("/api/mentions?" + p.toString())).json();
      if (mine !== asked) return;
      showError("");
      if (!more) $("hits").textContent = "";
      page.hits.forEach(addHit);
      cursor = page.next_cursor;
      $("more").hidden = !cursor;
      if (page.counts) {
        $("total").textContent = String(page.counts.total);
        showCounts("by-day", page.counts.by_day, s.sort);
        showCounts("by-brand", page.counts.by_brand, s.sort);
        showCounts("by-platform", page.counts.by_platform, s.sort);
      }
      $("status").textContent = "";
    } catch (err) {
      if (mine !== asked) return;
      $("status").textContent = "";
      showError(queryError(err.detail || err.message, s.q));
    }
  }

  function go(s, push) {
    current = s;
    writeForm(s);
    if (push) history.pushState(s, "", pageLink(s));
    cursor = null;
    load(s, false);
  }

  async function exportFile() {
    const s = readForm();
    const p = params(s);
    p.set("format", $("export-format").value);
    $("status").textContent = "exporting…";
    try {
      const resp = await api("/api/mentions/export?" + p.toString());
      const blob = await resp.blob();
      const a = el("a");
      a.href = URL.createObjectURL(blob);
      a.download = `mentions.${$("export-format").value}`;
      document.body.appendChild(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      $("status").textContent = "";
    } catch (err) {
      $("status").textContent = "";
      showError(queryError(err.detail || err.message, s.q));
    }
  }

  async function loadSaved() {
    if (!token()) return;
    try {
      const list = await (await api("/api/searches")).json();
      const ul = $("saved");
      ul.textContent = "";
      list.forEach((x) => {
        const li = el("li");
        li.dataset.searchId = x.search_id;
        const a = el("a", x.name);
        a.title = x.q;
        a.addEventListener("click", () => go({ q: x.q, from: "", to: "", sort: "time" }, true));
        const del = el("button", "×");
        del.type = "button";
        del.addEventListener("click", async () => {
          await api("/api/searches/" + encodeURIComponent(x.search_id), { method: "DELETE" });
          loadSaved();
        });
        li.append(a, del);
        ul.appendChild(li);
      });
    } catch (err) { showError(String(err.message)); }
  }

  async function save() {
    const s = readForm();
    const name = s.q.trim().slice(0, 60) || "all mentions";
    try {
      await api("/api/searches", { method: "POST", headers: Object.assign({ "Content-Type": "application/json" }, headers()),
        body: JSON.stringify({ name: name, q: s.q }) });
      loadSaved();
    } catch (err) { showError(queryError(err.detail || err.message, s.q)); }
  }

  function fromUrl() {
    const u = new URLSearchParams(location.search);
    return { q: u.get("q") || "", from: u.get("from") || "", to: u.get("to") || "", sort: u.get("sort") || "time" };
  }

  $("search").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const t = $("token").value.trim();
    if (t && !/^•+$/.test(t)) localStorage.setItem(TOKEN_KEY, t);
    go(readForm(), true);
    loadSaved();
  });
  $("more").addEventListener("click", () => { if (current) load(current, true); });
  $("export").addEventListener("click", exportFile);
  $("save").addEventListener("click", save);
  window.addEventListener("popstate", () => go(fromUrl(), false));
  $("token").value = localStorage.getItem(TOKEN_KEY) || "";
  if (token()) { go(fromUrl(), false); loadSaved(); }
})();
