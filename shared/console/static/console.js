// Souq console: small enhancements only; every page works without this file.
(function () {
  "use strict";
  try {
    // The person's time zone, so that the server writes times in it.
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && document.cookie.indexOf("souq_tz=" + encodeURIComponent(tz)) < 0) {
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

  // Copy buttons appear only where they can work.
  if (!navigator.clipboard) {
    document.querySelectorAll("button.copy").forEach(function (b) { b.hidden = true; });
  }
})();
