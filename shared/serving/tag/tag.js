/* Souq ad tag (DESIGN §11). One line on a page:
 *   <div data-souq-slot="slot_…">fallback content</div>
 *   <script async src="https://<souq>/tag.js"></script>
 * For every [data-souq-slot] it asks for an offer, shows it as a labelled,
 * sized link around its image, and calls the offer's viewUrl once at least
 * half of the ad has been in the viewport for one continuous second while
 * the page is visible. No inline script or style, no eval: it works under
 * a strict Content-Security-Policy. It never throws into the page.
 * Members (DESIGN §17): souq.member(pass), or data-souq-pass on the script,
 * gives the community's membership pass. For the slots of that community
 * (data-souq-community on the slot or the script) a pass whose signature
 * verifies with Souq's keys (stamped in below), unexpired, with ad_free,
 * means no request at all: the element keeps its content and gets
 * souq:member. Any other pass changes nothing. */
(function () {
  "use strict";
  var VERSION = "__SOUQ_TAG_VERSION__";
  var VIEW_RATIO = 0.5, VIEW_MS = 1000;
  var KEYS = __SOUQ_PASS_KEYS__; // the pass's public keys: [{kid, x, y}] (P-256)
  var w = window, d = document;
  var souq = w.souq = w.souq || {};
  if (souq.version) { return; } // loaded twice: the first one serves
  souq.version = VERSION;

  function script() {
    var s = d.currentScript;
    if (!s) {
      var all = d.querySelectorAll("script[src]");
      for (var i = 0; i < all.length; i++) { if (/\/tag\.js(\?|$)/.test(all[i].src)) { s = all[i]; } }
    }
    return s;
  }
  var me = script();
  function origin() {
    try { return new URL(me.src, w.location.href).origin; } catch (e) { return ""; }
  }
  var base = origin();
  function attr(el, name) { try { return (el && el.getAttribute(name)) || ""; } catch (e) { return ""; } }

  // The membership pass: its claims read, its signature checked once with
  // WebCrypto (no key, no WebCrypto, a bad signature: no pass).
  var pass = null;
  function b64(s) { s = s.replace(/-/g, "+").replace(/_/g, "/"); while (s.length % 4) { s += "="; } return atob(s); }
  function bytes(s) { var b = new Uint8Array(s.length); for (var i = 0; i < s.length; i++) { b[i] = s.charCodeAt(i); } return b; }
  function readPass(token) {
    var p = { claims: null, ok: Promise.resolve(false) };
    try {
      var parts = String(token).split("."), h = JSON.parse(b64(parts[0])), key = null, sub = w.crypto && w.crypto.subtle;
      p.claims = JSON.parse(b64(parts[1]));
      for (var i = 0; i < KEYS.length; i++) { if (KEYS[i].kid === h.kid) { key = KEYS[i]; } }
      if (parts.length !== 3 || h.alg !== "ES256" || !key || !sub) { return p; }
      var alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
      p.ok = sub.importKey("jwk", { kty: "EC", crv: "P-256", x: key.x, y: key.y, ext: true }, alg, false, ["verify"]).then(function (k) {
        return sub.verify(alg, k, bytes(b64(parts[2])), bytes(parts[0] + "." + parts[1]));
      }).catch(function () { return false; });
    } catch (e) { /* not a pass */ }
    return p;
  }
  function adFree(c, community) {
    var aud = c && (typeof c.aud === "string" ? [c.aud] : c.aud) || [];
    return !!community && aud.indexOf(community) >= 0 && typeof c.exp === "number" && c.exp * 1000 > Date.now() &&
      Object.prototype.toString.call(c.benefits) === "[object Array]" && c.benefits.indexOf("ad_free") >= 0;
  }
  if (attr(me, "data-souq-pass")) { pass = readPass(attr(me, "data-souq-pass")); }
  var states = []; // one per slot element: its offer, observer and timer

  function emit(el, name, detail) {
    try { el.dispatchEvent(new CustomEvent(name, { bubbles: true, detail: detail })); } catch (e) { /* old browser */ }
  }

  function stop(st) {
    if (st.timer) { clearTimeout(st.timer); st.timer = 0; }
    if (st.observer) { st.observer.disconnect(); st.observer = null; }
  }

  // Frequency caps (DESIGN §13), kept in this browser only: for each
  // capped campaign it was shown, when (at most 100 times) and the cap's
  // window in hours. Decisions carry the counts within each window
  // (f=cmp_…:2,…); nothing else about the viewer is kept or sent.
  var FKEY = "souq:f";
  function freqLoad() {
    try { var v = JSON.parse(w.localStorage.getItem(FKEY) || "{}"); return v && typeof v === "object" ? v : {}; } catch (e) { return {}; }
  }
  function freqSave(f) { try { w.localStorage.setItem(FKEY, JSON.stringify(f)); } catch (e) { /* private mode: no caps kept */ } }
  function freqParam() {
    var f = freqLoad(), now = Date.now(), out = [], changed = false;
    for (var id in f) {
      if (!Object.prototype.hasOwnProperty.call(f, id)) { continue; }
      var e = f[id] || {}, t = e.t || [], win = (e.h || 0) * 3600000, kept = [];
      for (var i = 0; i < t.length; i++) { if (now - t[i] < win) { kept.push(t[i]); } }
      if (kept.length !== t.length) { changed = true; }
      if (!kept.length) { delete f[id]; continue; }
      e.t = kept;
      if (/^cmp_[0-9a-z]+$/.test(id) && out.length < 50) { out.push(id + ":" + kept.length); }
    }
    if (changed) { freqSave(f); }
    return out.join(",");
  }
  function freqShown(o) {
    if (!o.frequency || !o.campaignId) { return; }
    var f = freqLoad(), e = f[o.campaignId] || {};
    e.h = o.frequency.hours;
    e.t = (e.t || []).concat([Date.now()]).slice(-100);
    f[o.campaignId] = e;
    freqSave(f);
  }

  // A view is a GET: the edge checks its token and signs it on to the
  // serve function's URL, which a body could not pass (sendBeacon POSTs).
  function sendView(url) {
    try {
      fetch(url, { method: "GET", keepalive: true, credentials: "omit", mode: "no-cors", cache: "no-store" }).catch(function () {});
      return;
    } catch (e) { /* no fetch: an image */ }
    try { new Image().src = url; } catch (e) { /* nothing to do */ }
  }

  // watch calls the offer's viewUrl once: half the ad in view, for one
  // continuous second, while the page is visible.
  function watch(st, box) {
    var inView = false;
    function check() {
      var ok = inView && d.visibilityState === "visible" && !st.viewed;
      if (ok && !st.timer) {
        st.timer = setTimeout(function () {
          st.timer = 0;
          if (inView && d.visibilityState === "visible" && !st.viewed) {
            st.viewed = true;
            stop(st);
            sendView(st.offer.viewUrl);
          }
        }, VIEW_MS);
      } else if (!ok && st.timer) {
        clearTimeout(st.timer);
        st.timer = 0;
      }
    }
    st.check = check;
    if (!("IntersectionObserver" in w)) { return; } // no way to know it was seen: no impression
    st.observer = new IntersectionObserver(function (entries) {
      for (var i = 0; i < entries.length; i++) { inView = entries[i].intersectionRatio >= VIEW_RATIO; }
      check();
    }, { threshold: [0, VIEW_RATIO, 1] });
    st.observer.observe(box);
  }

  function render(el, st, o) {
    var a = d.createElement("a");
    a.href = o.clickUrl;
    a.rel = "sponsored noopener";
    a.target = "_blank";
    a.className = "souq-ad";
    a.setAttribute("aria-label", o.label + ": " + o.altText);
    a.setAttribute("data-souq-offer", o.offerId);
    var img = d.createElement("img");
    img.src = o.imageUrl;
    img.alt = o.altText;
    img.width = o.width; // the box is reserved before the image arrives
    img.height = o.height;
    img.decoding = "async";
    var label = d.createElement("span");
    label.className = "souq-label";
    label.textContent = o.label;
    a.appendChild(img);
    var box = d.createElement("span");
    box.className = "souq-box";
    box.appendChild(a);
    box.appendChild(label);
    try {
      // Layout through the CSSOM (allowed under a strict CSP): the label
      // under the image, and a fade only for people who want motion.
      box.style.display = "inline-block";
      box.style.maxWidth = "100%";
      label.style.display = "block";
      label.style.font = "11px/1.4 system-ui, sans-serif";
      img.style.maxWidth = "100%";
      img.style.height = "auto";
      img.style.display = "block";
      if (!(w.matchMedia && w.matchMedia("(prefers-reduced-motion: reduce)").matches)) {
        box.style.opacity = "0";
        box.style.transition = "opacity .2s";
        setTimeout(function () { box.style.opacity = "1"; }, 0);
      }
    } catch (e) { /* unstyled is fine */ }
    while (el.firstChild) { el.removeChild(el.firstChild); }
    el.appendChild(box);
    st.offer = o;
    freqShown(o);
    watch(st, box);
    emit(el, "souq:rendered", { slotId: o.slotId, offerId: o.offerId, kind: o.kind });
  }

  function decide(el) {
    var slot = el.getAttribute("data-souq-slot");
    var st = null;
    for (var i = 0; i < states.length; i++) { if (states[i].el === el) { st = states[i]; } }
    if (!st) {
      st = { el: el, fallback: Array.prototype.slice.call(el.childNodes) };
      states.push(st);
    }
    stop(st);
    st.viewed = false;
    st.offer = null;
    var seq = st.seq = (st.seq || 0) + 1;
    if (!slot || !base) { emit(el, "souq:nofill", { slotId: slot, reason: "no slot" }); return; }
    var community = attr(el, "data-souq-community") || attr(me, "data-souq-community"), p = pass;
    if (p && adFree(p.claims, community)) {
      p.ok.then(function (ok) {
        if (seq !== st.seq) { return; }
        if (!ok) { ask(el, st, slot, seq); return; }
        restore(st); // a member: the page's own content, no ad asked for
        emit(el, "souq:member", { slotId: slot, communityId: community, tier: p.claims.tier });
      });
      return;
    }
    ask(el, st, slot, seq);
  }

  // ask requests the slot's offer and shows it.
  function ask(el, st, slot, seq) {
    var url = base + "/v1/serve/" + encodeURIComponent(slot);
    var q = [], kw = el.getAttribute("data-souq-keywords"), f = freqParam();
    if (kw) { q.push("keywords=" + encodeURIComponent(kw)); }
    if (f) { q.push("f=" + encodeURIComponent(f)); }
    if (q.length) { url += "?" + q.join("&"); }
    fetch(url, { credentials: "omit", mode: "cors" }).then(function (r) {
      if (seq !== st.seq) { return null; } // reloaded meanwhile
      return r.status === 200 ? r.json() : null;
    }).then(function (o) {
      if (seq !== st.seq) { return; }
      if (o && o.imageUrl && o.clickUrl && o.viewUrl) {
        render(el, st, o);
      } else {
        restore(st);
        emit(el, "souq:nofill", { slotId: slot });
      }
    }).catch(function () {
      if (seq !== st.seq) { return; }
      restore(st);
      emit(el, "souq:nofill", { slotId: slot, reason: "error" });
    });
  }

  // restore puts the page's own content back (after a reload found nothing).
  function restore(st) {
    if (st.el.firstChild && st.el.firstChild.className === "souq-box") {
      while (st.el.firstChild) { st.el.removeChild(st.el.firstChild); }
      for (var i = 0; i < st.fallback.length; i++) { st.el.appendChild(st.fallback[i]); }
    }
  }

  function all() {
    try {
      var els = d.querySelectorAll("[data-souq-slot]");
      for (var i = 0; i < els.length; i++) { decide(els[i]); }
    } catch (e) { /* never into the page */ }
  }

  // souq.reload() decides every slot again (single-page apps).
  souq.reload = all;
  // souq.member(pass) gives (or, with nothing, takes back) the member's
  // pass, and decides every slot again.
  souq.member = function (token) { try { pass = token ? readPass(token) : null; } catch (e) { pass = null; } all(); };
  d.addEventListener("visibilitychange", function () {
    for (var i = 0; i < states.length; i++) { try { if (states[i].check) { states[i].check(); } } catch (e) { /* ignore */ } }
  });
  if (d.readyState === "loading") { d.addEventListener("DOMContentLoaded", all); } else { all(); }
})();
