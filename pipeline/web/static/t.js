/* sociallisten visit beacon (docs/tracking.md): page view, heartbeat while visible, leave on hide. */
(function (d, w) {
  var s = d.currentScript, src = s ? s.src : "", q = new URLSearchParams(location.search), n = 0, dwell = 0,
    shown = d.visibilityState === "visible" ? Date.now() : 0,
    end = (s && s.getAttribute("data-endpoint")) || src.replace(/\/t\.js(\?.*)?$/, "/t/visit"),
    ok = function (x, a, b) { return new RegExp("^[A-Za-z0-9_-]{" + a + "," + b + "}$").test(x || ""); },
    get = function (k) { var m = d.cookie.match("(?:^|; )" + k + "=([A-Za-z0-9_-]+)"); return m ? m[1] : ""; },
    put = function (k, v) { d.cookie = k + "=" + v + "; path=/; max-age=31536000; SameSite=Lax"; },
    rnd = function () { var a = new Uint8Array(16), t = ""; crypto.getRandomValues(a);
      a.forEach(function (b) { t += "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_"[b & 63]; });
      return t; },
    vid = ok(q.get("sl_v"), 8, 64) ? q.get("sl_v") : get("sl_vid"), code = q.get("sl_c") || get("sl_c"), view = rnd();
  if (!ok(vid, 8, 64)) vid = rnd();
  put("sl_vid", vid);
  if (ok(code, 4, 32)) put("sl_c", code); else code = "";
  function send(kind) {
    var ms = dwell + (shown ? Date.now() - shown : 0), body = JSON.stringify({ view_id: view, seq: n++, kind: kind,
      visitor_id: vid, code: code, dwell_ms: Math.min(ms, 86400000), page: location.pathname.slice(0, 500) });
    if (!(navigator.sendBeacon && navigator.sendBeacon(end, new Blob([body], { type: "text/plain" }))))
      fetch(end, { method: "POST", body: body, keepalive: true, mode: "no-cors" });
  }
  function hide() {
    if (!shown) return;
    dwell += Date.now() - shown; shown = 0;
    send("leave");
  }
  d.addEventListener("visibilitychange", function () {
    if (d.visibilityState === "visible") shown = shown || Date.now(); else hide();
  });
  w.addEventListener("pagehide", hide);
  w.setInterval(function () { if (shown) send("heartbeat"); }, 15000);
  send("pageview");
})(document, window);
