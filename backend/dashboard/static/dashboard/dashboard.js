// Small behaviours on top of server-rendered pages (everything also works without JavaScript).
(function () {
  var opener = null; // the control that opened the modal gets the focus back when it closes

  function dialog() { return document.querySelector("#modal dialog"); }

  function closeModal() {
    var modal = document.getElementById("modal");
    if (modal) modal.innerHTML = "";
    var back = opener;
    // The opener may have been swapped out meanwhile (the table refreshes itself): its twin.
    if (back && !document.body.contains(back)) {
      var url = back.getAttribute("hx-get");
      back = url ? document.querySelector('[hx-get="' + CSS.escape(url) + '"]') : null;
    }
    back = back || document.getElementById("new-post");
    if (back) back.focus();
    opener = null;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-modal]")) { event.preventDefault(); closeModal(); }
  });

  document.addEventListener("keydown", function (event) {
    var open = dialog();
    if (!open) return;
    if (event.key === "Escape") { closeModal(); return; }
    // Keep Tab inside the open dialog (aria-modal): wrap from the last control to the first.
    if (event.key === "Tab") {
      var focusable = open.querySelectorAll("a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, [tabindex]:not([tabindex='-1'])");
      if (!focusable.length) return;
      var first = focusable[0], last = focusable[focusable.length - 1];
      if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && (document.activeElement === last || !open.contains(document.activeElement))) { event.preventDefault(); first.focus(); }
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target && target.id === "modal" && !dialog()) opener = event.detail.elt;
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "modal") {
      var open = dialog();
      if (!open) return;
      var first = open.querySelector("input:not([type=hidden]), textarea, select") || open.querySelector("h1");
      if (first) {
        if (first.tagName === "H1") first.setAttribute("tabindex", "-1");
        first.focus();
      }
    }
  });

  // Compose: the date and time field is only used when "at a date and time" is chosen.
  function syncWhen(root) {
    var queue = (root || document).querySelector("input[name=when][value=queue]");
    var time = (root || document).querySelector("#scheduled_time");
    if (queue && time) time.disabled = queue.checked;
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "when") syncWhen(event.target.form);
  });
  document.addEventListener("htmx:afterSwap", function () { syncWhen(); });
  document.addEventListener("DOMContentLoaded", function () { syncWhen(); });

  // Toasts fade after a while; they are also announced (role=status on the container).
  setInterval(function () {
    document.querySelectorAll("[data-toast]").forEach(function (toast) {
      var age = Number(toast.dataset.age || 0) + 1;
      toast.dataset.age = age;
      if (age > 8) toast.remove();
    });
  }, 1000);
})();
