// Souq console: small enhancements only; every page works without this file.
(function () {
  "use strict";
  try {
    // The person's time zone, so that the server writes times in it,
    // unless they chose one on their profile (souq_tz_chosen).
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && document.cookie.indexOf("souq_tz_chosen=1") < 0 && document.cookie.indexOf("souq_tz=" + encodeURIComponent(tz)) < 0) {
      document.cookie = "souq_tz=" + encodeURIComponent(tz) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* no Intl: times stay in UTC */ }

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) { return; }
    var copy = t.closest("button.copy");
    if (copy) {
      var src = document.getElementById(copy.getAttribute("data-copy") || "");
      if (src && navigator.clipboard) {
        navigator.clipboard.writeText(src.textContent || "").then(function () {
          copy.textContent = "Copied";
          setTimeout(function () { copy.textContent = "Copy"; }, 2000);
        }, function () { copy.textContent = "Select and copy"; });
      }
      return;
    }
    var confirmBtn = t.closest("button[data-confirm]");
    if (confirmBtn && !window.confirm(confirmBtn.getAttribute("data-confirm"))) {
      ev.preventDefault();
    }
  });

  // A campaign's creative, previewed as it is typed (without this file,
  // the Preview button shows it).
  var preview = document.getElementById("campaign-preview");
  if (preview) {
    var field = function (n) { return document.getElementById("campaign-" + n); };
    var timer = 0;
    var draw = function () {
      // A hosted image chosen sets the image and its size.
      var hosted = document.querySelector('input[name="creativeId"]:checked');
      if (hosted && !hosted.value) { hosted = null; }
      var src = hosted ? hosted.getAttribute("data-src") : (field("imageUrl").value || "").trim();
      var w = parseInt(hosted ? hosted.getAttribute("data-width") : field("width").value, 10);
      var h = parseInt(hosted ? hosted.getAttribute("data-height") : field("height").value, 10);
      var img = preview.querySelector("img");
      var note = preview.querySelector("p.help");
      if (hosted || /^https:\/\//i.test(src)) {
        if (!img) { img = document.createElement("img"); img.className = "preview"; preview.insertBefore(img, preview.firstChild); }
        if (img.getAttribute("src") !== src) { img.setAttribute("src", src); }
        img.alt = field("altText").value || "";
        if (w > 0 && h > 0) { img.width = w; img.height = h; }
        if (note) { note.remove(); }
      } else {
        if (img) { img.remove(); }
        if (!note) { note = document.createElement("p"); note.className = "help"; preview.insertBefore(note, preview.firstChild); }
        note.textContent = src ? "The image address must start with https://." : preview.getAttribute("data-empty");
      }
      var size = document.getElementById("campaign-preview-size");
      if (size && w > 0 && h > 0) { size.textContent = w + "×" + h; }
      // The reach was counted for the size, bid and keywords sent last:
      // once they change, it says so rather than show a stale count.
      var reach = document.getElementById("campaign-reach");
      if (reach && reach.getAttribute("data-size") !== w + "×" + h) {
        reach.textContent = "Press Preview to count the slots of " + w + "×" + h + " that accept campaigns.";
      }
    };
    // The image is fetched once the address has stopped changing, not at
    // every keystroke (each would be a request for a half-typed host).
    var later = function () { clearTimeout(timer); timer = setTimeout(draw, 600); };
    ["imageUrl", "altText", "width", "height"].forEach(function (n) {
      var f = field(n);
      if (f) { f.addEventListener("input", n === "imageUrl" ? later : draw); f.addEventListener("change", draw); }
    });
    document.querySelectorAll('input[name="creativeId"]').forEach(function (r) { r.addEventListener("change", draw); });
    draw();
  }

  // Copy buttons appear only where they can work.
  if (!navigator.clipboard) {
    document.querySelectorAll("button.copy").forEach(function (b) { b.hidden = true; });
  }
})();
