// Small behaviours on top of server-rendered pages (everything also works without JavaScript).
(function () {
  function closeModal() {
    var modal = document.getElementById("modal");
    if (modal) modal.innerHTML = "";
    var opener = document.getElementById("new-post");
    if (opener) opener.focus();
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-modal]")) { event.preventDefault(); closeModal(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.getElementById("compose-dialog")) closeModal();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "modal") {
      var first = event.detail.target.querySelector("input:not([type=hidden]), textarea, select");
      if (first) first.focus();
    }
  });
  // Toasts fade after a while; they are also announced (role=status on the container).
  setInterval(function () {
    document.querySelectorAll("[data-toast]").forEach(function (toast) {
      var age = Number(toast.dataset.age || 0) + 1;
      toast.dataset.age = age;
      if (age > 8) toast.remove();
    });
  }, 1000);
})();
