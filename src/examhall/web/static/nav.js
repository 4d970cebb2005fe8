/* The page's own navigation: on a narrow screen the menu folds behind a 菜单 button (the page
   keeps it open when scripts do not run), a 返回上一页 link goes back in history, and a
   data-print button prints the page. Loaded in the head without defer, so that a phone never
   shows the unfolded menu first. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function ready() {
    var bar = document.querySelector(".topbar");
    var toggle = bar && bar.querySelector(".menu-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        var open = bar.classList.toggle("menu-open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    Array.prototype.forEach.call(document.querySelectorAll("a[data-back]"), function (link) {
      link.addEventListener("click", function (event) {
        if (history.length > 1) {
          event.preventDefault();
          history.back();
        }
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
