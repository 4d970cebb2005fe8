/* examhall's JSON calls from the live pages (the candidate's exam, the proctor's dashboard):
   same-origin, the CSRF token from the page, never cached, given up after a while so that a
   dead network shows as one. Resolves to {status, ok, data, sent, received}; the two times,
   from performance.now(), let a page tell an old answer from a new one and read the server's
   clock against its own. */
(function () {
  "use strict";

  var REQUEST_TIMEOUT_MS = 15000;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function call(method, url, payload) {
    var headers = { Accept: "application/json" };
    var init = { method: method, credentials: "same-origin", cache: "no-store", headers: headers };
    if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = null;
    if (controller) {
      init.signal = controller.signal;
      timer = setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    }
    var sent = performance.now();
    return fetch(url, init).then(function (response) {
      var done = function (data) {
        if (timer) clearTimeout(timer);
        return { status: response.status, ok: response.ok, data: data, sent: sent, received: performance.now() };
      };
      if (response.status === 204) return done(null);
      return response.json().then(done, function () { return done(null); });
    }, function (error) {
      if (timer) clearTimeout(timer);
      throw error;
    });
  }

  window.examhallApi = { call: call };
})();
