/* The sampling point's page: each Enter from the scanner posts one scan to the API, and the answer
   shows at once. Without this script the form posts as a plain page. Scans the network could not
   carry are kept (with their scan_id) and sent again, so nothing is lost and nothing doubled. */
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form || !window.fetch || !window.JSON) { return; }
  var words = JSON.parse(document.getElementById("scan-words").textContent);
  var input = document.getElementById("f-scan");
  var nameInput = document.getElementById("f-name");
  var sizeInput = document.getElementById("f-pool_size");
  var tubeInput = document.getElementById("tube");
  var feedback = document.getElementById("feedback");
  var current = document.getElementById("current-tube");
  var perHour = document.getElementById("per-hour");
  var recent = document.getElementById("recent");
  var offline = document.getElementById("offline");
  var idLike = /^(\d{17}[\dXx]|[PpOo]:.+)$/;
  var queueKey = "fangyi-scan-queue-" + form.getAttribute("data-point");
  var closing = false;

  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "s" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }
  function queue() { try { return JSON.parse(localStorage.getItem(queueKey) || "[]"); } catch (e) { return []; } }
  function keep(items) { try { localStorage.setItem(queueKey, JSON.stringify(items)); } catch (e) { /* full */ } }
  function say(text, status) {
    feedback.textContent = text;
    feedback.className = status;
    var item = document.createElement("li");
    item.className = status;
    item.textContent = text;
    recent.insertBefore(item, recent.firstChild);
    while (recent.children.length > 8) { recent.removeChild(recent.lastChild); }
  }
  function render(outcome) {
    var text = words[outcome.code] || outcome.message || "";
    var params = outcome.params || {};
    text = text.replace(/\{(\w+)\}/g, function (all, key) { return key in params ? params[key] : all; });
    if (outcome.repeated) { text += " " + words.repeated; }
    say(text, outcome.status);
    if (outcome.status === "ok" && outcome.tube) {
      var open = outcome.tube.state === "open";
      tubeInput.value = open ? outcome.tube.barcode : "";
      current.textContent = open ? outcome.tube.barcode + " (" + outcome.tube.members + "/" +
        outcome.tube.pool_size + ")" : words.none;
      if (outcome.person) { nameInput.value = ""; }
    }
    perHour.textContent = String(parseInt(perHour.textContent || "0", 10) + (outcome.repeated ? 0 : 1));
  }
  function send(items) {
    return fetch("/api/v1/screening/scans", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": form.getAttribute("data-csrf")},
      body: JSON.stringify(items.length === 1 ? items[0] : {scans: items})
    }).then(function (response) {
      if (!response.ok) { var error = new Error("HTTP " + response.status); error.status = response.status; throw error; }
      return response.json();
    });
  }
  var busy = false;
  function flush() {
    var items = queue().slice(0, 20);
    if (busy) { return; }
    if (!items.length) { offline.hidden = true; return; }
    busy = true;
    send(items).then(function (body) {
      busy = false;
      keep(queue().slice(items.length));
      body.results.forEach(render);
      offline.hidden = queue().length === 0;
      if (queue().length) { flush(); }
    }, function (error) {
      busy = false;
      if (error.status >= 400 && error.status < 500) {
        // Refused as a request (signed out, bad input): resending would not help.
        keep(queue().slice(items.length));
        say(error.message, "refused");
        return;
      }
      offline.hidden = false;
      offline.textContent = words.offline.replace("{n}", String(queue().length));
    });
  }
  form.addEventListener("click", function (event) { closing = event.target && event.target.id === "close-tube"; });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    var scan = {scan_id: newId(), point_code: form.getAttribute("data-point"), barcode: tubeInput.value};
    if (closing) {
      scan.action = "close";
    } else if (!text) {
      return;
    } else if (idLike.test(text)) {
      scan.action = "person";
      scan.id_number = text;
      if (nameInput.value.trim()) { scan.name = nameInput.value.trim(); }
    } else {
      scan.action = "open";
      scan.barcode = text;
      scan.pool_size = parseInt(sizeInput.value, 10);
      tubeInput.value = text;  // the next person goes into this tube even before the answer is back
    }
    closing = false;
    input.value = "";
    input.focus();
    keep(queue().concat([scan]));
    flush();
  });
  window.addEventListener("online", flush);
  setInterval(flush, 15000);
  flush();
}());
