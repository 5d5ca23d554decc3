// The inspector's only script: keep the #live part of the page current without reloading it,
// and ask before destructive buttons. The server renders everything; this just swaps HTML.
(function () {
  "use strict";
  const PERIOD_MS = 1000;
  let last = null;
  let busy = false;

  function mark(state) {
    const badge = document.getElementById("live-status");
    if (badge) {
      badge.dataset.state = state;
      badge.textContent = state === "ok" ? "live" : state;
    }
  }

  async function refresh() {
    const here = document.getElementById("live");
    if (!here || busy || document.hidden) return;
    busy = true;
    try {
      const answer = await fetch(window.location.href, {
        headers: { "Accept": "text/html" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!answer.ok) {
        mark(answer.status === 404 ? "gone" : "offline");
        return;
      }
      const page = new DOMParser().parseFromString(await answer.text(), "text/html");
      const fresh = page.getElementById("live");
      if (fresh === null) return;
      const html = fresh.innerHTML;
      if (last === null) {
        last = here.innerHTML;
      }
      if (html !== last) {
        last = html;
        here.innerHTML = html;
        document.dispatchEvent(new CustomEvent("inspector:updated"));
      }
      mark("ok");
    } catch (error) {
      mark("offline");
    } finally {
      busy = false;
    }
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    const here = document.getElementById("live");
    if (here) {
      last = here.innerHTML;
      window.setInterval(refresh, PERIOD_MS);
    }
  });
})();
