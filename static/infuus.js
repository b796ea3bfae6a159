/* Infuus: progressive enhancement only; every page works without this. */
"use strict";
(function () {
  /* Move focus to the first error notice so screen readers announce it. */
  document.addEventListener("DOMContentLoaded", function () {
    var err = document.querySelector(".notice-error");
    if (err) {
      err.setAttribute("tabindex", "-1");
      err.focus();
    }
  });
})();
