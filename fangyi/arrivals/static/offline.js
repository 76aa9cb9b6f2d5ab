/* The village line's outbox: on the village doctor's day, the household sweep, the checkpoint and the
   fever sentinels' report,
   an entry made without a network (or while older ones still wait) is kept in IndexedDB under an id
   the phone makes for it (client_id), and sent to the API when the network returns. The server keeps
   each entry once under its id, so an entry sent twice (a dropped answer, two tabs) is stored once;
   the visible count says what still waits. Online, with nothing waiting, forms post as plain pages.
   A page the service worker answered from its kept copy (data-kept) says when it was kept, and is
   replaced by a fresh one as soon as the network answers, unless something is being typed on it. */
(function () {
  "use strict";
  var box = document.getElementById("outbox");
  if (!box || !window.fetch || !window.indexedDB || !window.Promise) { return; }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/arrivals/sw.js", {scope: "/arrivals/"}).catch(function () { /* none */ });
  }
  var words = JSON.parse(document.getElementById("outbox-words").textContent);
  var csrf = box.getAttribute("data-csrf");
  var user = box.getAttribute("data-user");
  var low = parseFloat(box.getAttribute("data-low"));
  var high = parseFloat(box.getAttribute("data-high"));
  var countEl = document.getElementById("outbox-count");
  var stateEl = document.getElementById("outbox-state");
  var refusedEl = document.getElementById("outbox-refused");
  var refusedKey = "fangyi-outbox-refused-" + user;
  var CACHE = "fangyi-arrivals-v1";  // sw.js's
  var SERVER_TRIES = 5;  // a 5xx this many times for one entry: set aside, so the rest go up
  var waiting = 0;
  var flushing = false;
  var retry = null;
  var delay = 2000;  // after a failed send: 2 s, doubling to a minute
  var kept = box.getAttribute("data-kept");  // when the copy shown was kept; null on a fresh page
  var renewing = false;
  var renewRetry = null;
  // A fresh page fetched, then the reload landing on the kept copy again (a network that comes and
  // goes): the wait before the next try is carried across the reload and doubles, up to a minute,
  // so that the page does not reload over and over; a fresh page starts again from nothing.
  var RENEWED = "fangyi-outbox-renewed";
  var renewDelay = 2000;
  var renewedBefore = 0;
  try {
    if (kept === null) { sessionStorage.removeItem(RENEWED); } else {
      renewedBefore = parseInt(sessionStorage.getItem(RENEWED) || "0", 10) || 0;
    }
  } catch (e) { /* no storage: each reload tries at once */ }
  var leaving = false;  // a form posted as a plain page, or the page going: never reloaded under it
  window.addEventListener("pagehide", function () { leaving = true; });
  function going(event) {
    leaving = true;
    setTimeout(function () { if (event.defaultPrevented) { leaving = false; } }, 0);  // another script kept it
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return "a-" + window.crypto.randomUUID(); }
    return "a-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 14);
  }
  function database() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("fangyi-outbox", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore("entries", {keyPath: "client_id"}); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function store(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("entries", mode);
        var request = work(tx.objectStore("entries"));
        tx.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function all() {
    return store("readonly", function (s) { return s.getAll(); }).then(function (entries) {
      return (entries || []).filter(function (e) { return e.user === user; })
        .sort(function (a, b) { return a.made - b.made; });
    });
  }
  function put(entries) {
    return store("readwrite", function (s) { entries.forEach(function (e) { s.put(e); }); return null; });
  }
  function remove(id) { return store("readwrite", function (s) { s.delete(id); return null; }); }

  function refused() { try { return JSON.parse(localStorage.getItem(refusedKey) || "[]"); } catch (e) { return []; } }
  function showRefused() {
    var items = refused();
    refusedEl.innerHTML = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = words.refused + "：" + item.label + " — " + item.reason;
      refusedEl.appendChild(li);
    });
  }
  function refuse(entry, reason) {
    var items = refused();
    items.unshift({label: entry.label, reason: reason});
    try { localStorage.setItem(refusedKey, JSON.stringify(items.slice(0, 50))); } catch (e) { /* full */ }
    showRefused();
  }
  function show(note) {
    return all().then(function (entries) {
      waiting = entries.length;
      countEl.textContent = String(waiting);
      box.className = "outbox" + (waiting ? " waiting" : "") + (navigator.onLine ? "" : " offline") +
        (kept !== null ? " kept" : "");
      stateEl.textContent = [note || (navigator.onLine ? "" : words.offline), keptNote()]
        .filter(Boolean).join(" · ");
      markQueued(entries);
      return entries;
    });
  }
  function alertText(text) {
    var alert = document.getElementById("outbox-alert");
    alert.textContent = text;
    alert.hidden = !text;
  }

  // Items of the page already done on this phone and waiting: shown as kept.
  function markQueued(entries) {
    entries.forEach(function (entry) {
      if (!entry.form) { return; }
      var form = document.querySelector('form[data-api="' + entry.url + '"][data-key="' + entry.form + '"]');
      if (form) { queuedMark(form, entry.body.kind === "temperature"); }
    });
  }
  function queuedMark(form, keepForm) {
    var item = form.closest("li") || form;
    item.classList.add("queued");
    var mark = item.querySelector(".queued-mark");
    if (!mark) {
      mark = document.createElement("span");
      mark.className = "queued-mark";
      mark.textContent = words.queued;
      item.appendChild(mark);
    }
    if (!keepForm) { form.hidden = true; }
  }

  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  function idOk(number) {
    if (/^\d{15}$/.test(number)) { return true; }
    if (!/^\d{17}[\dXx]$/.test(number)) { return false; }
    var sum = 0;
    for (var i = 0; i < 17; i++) { sum += parseInt(number.charAt(i), 10) * WEIGHTS[i]; }
    return "10X98765432".charAt(sum % 11) === number.charAt(17).toUpperCase();
  }
  function value(data, name) { return String(data.get(name) || "").trim(); }

  // A form's entries, or a reason to ask again (nothing is kept then).
  function entriesOf(form) {
    var data = new FormData(form);
    var kind = form.getAttribute("data-outbox");
    var at = new Date().toISOString();
    var made = Date.now();
    var base = {user: user, made: made, url: form.getAttribute("data-api"), form: form.getAttribute("data-key")};
    if (kind === "work") {
      var body = {kind: value(data, "kind"), at: at};
      if (value(data, "label")) { body.label = value(data, "label"); }
      if (body.kind === "temperature") {
        var reading = parseFloat(value(data, "temperature").replace(",", "."));
        if (isNaN(reading) || reading < low || reading > high) { return words.ask_again; }
        body.temperature = reading;
      }
      return [Object.assign({client_id: newId(), body: body, label: form.getAttribute("data-label")}, base)];
    }
    if (kind === "household") {
      var returned = parseInt(value(data, "returned") || "0", 10);
      if (isNaN(returned) || returned < 0 || returned > 50) { return words.bad_count; }
      return [Object.assign({client_id: newId(), body: {returned: returned, at: at},
                             label: form.getAttribute("data-label")}, base)];
    }
    if (kind === "sentinel") {
      // A fever sentinel's report: the identity number and any temperature checked here, as on the day's list.
      var who = value(data, "id_number");
      if (!idOk(who)) { return words.bad_id; }
      var report = {id_number: who.toUpperCase(), name: value(data, "name"), area_code: value(data, "area_code"),
                    symptoms: data.getAll("symptoms").map(String), at: at};
      ["reporter_kind", "institution"].forEach(function (name) { if (value(data, name)) { report[name] = value(data, name); } });
      if (value(data, "temperature")) {
        var degrees = parseFloat(value(data, "temperature").replace(",", "."));
        if (isNaN(degrees) || degrees < low || degrees > high) { return words.ask_again; }
        report.temperature = degrees;
      }
      return [Object.assign({client_id: newId(), body: report, label: report.name || who.slice(0, 6) + "…"}, base,
                            {form: null})];
    }
    var common = {origin_code: value(data, "origin_code"), staying_area_code: value(data, "staying_area_code"),
                  arrived_at: at};
    if (value(data, "registered_at")) { common.registered_at_code = value(data, "registered_at"); }
    var people = [];
    if (kind === "car") {
      common.means = "car";
      if (value(data, "plate")) { common.plate = value(data, "plate").toUpperCase(); }
      var lines = value(data, "occupants").split(/\r?\n/);
      for (var n = 0; n < lines.length; n++) {
        var parts = lines[n].replace(/[,，]/g, " ").trim().split(/\s+/);
        if (!parts[0]) { continue; }
        if (!idOk(parts[0])) { return words.bad_id + " (" + (n + 1) + ")"; }
        people.push({id_number: parts[0].toUpperCase(), name: parts.slice(1).join(" ")});
      }
      if (!people.length) { return words.bad_id; }
    } else {
      var number = value(data, "id_number");
      if (!idOk(number)) { return words.bad_id; }
      people.push({id_number: number.toUpperCase(), name: value(data, "name")});
      if (value(data, "phone")) { common.phone = value(data, "phone"); }
      if (value(data, "means")) { common.means = value(data, "means"); }
    }
    if (!/^\d{6}(\d{6}(\d{3})?)?$/.test(common.origin_code)) { return words.bad_origin; }
    return people.map(function (person, i) {
      return Object.assign({client_id: newId(), body: Object.assign({}, common, person),
                            label: (person.name || person.id_number.slice(0, 6) + "…")}, base,
                           {made: made + i, form: null});
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    // Signing out drops the pages kept for this user and whatever still waits (the server's answer
    // clears the site's storage too): asked first when entries have not been sent.
    if (form.getAttribute && form.getAttribute("action") === "/logout" && !form.dataset.cleared) {
      if (waiting && !window.confirm(words.leave.replace("{n}", String(waiting)))) {
        event.preventDefault();
        return;
      }
      if (!window.caches) { return; }
      event.preventDefault();
      form.dataset.cleared = "1";
      caches.delete(CACHE).catch(function () { return null; }).then(function () { form.submit(); });
      return;
    }
    if (!form.hasAttribute || !form.hasAttribute("data-outbox")) { going(event); return; }
    if (navigator.onLine && !waiting) { going(event); return; }  // online: the plain page post answers at once
    event.preventDefault();
    var entries = entriesOf(form);
    if (typeof entries === "string") { alertText(entries); return; }
    alertText("");
    put(entries).then(function () {
      if (form.getAttribute("data-outbox") === "work" || form.getAttribute("data-outbox") === "household") {
        queuedMark(form, entries[0].body.kind === "temperature");
      }
      form.reset();
      return show();
    }).then(flush);
  });

  function flush() {
    if (flushing || !navigator.onLine) { return Promise.resolve(); }
    flushing = true;
    var sent = 0;
    var signedOut = false;
    return all().then(function (entries) {
      function next(i) {
        if (i >= entries.length) { return true; }
        var entry = entries[i];
        return fetch(entry.url, {
          method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
          body: JSON.stringify(Object.assign({client_id: entry.client_id}, entry.body))
        }).then(function (response) {
          if (response.ok) { sent += 1; return remove(entry.client_id).then(function () { return next(i + 1); }); }
          if (response.status === 401) { signedOut = true; return false; }  // only 401 means signed out
          if (response.status >= 400 && response.status < 500 && response.status !== 408 &&
              response.status !== 429) {
            // A refusal (403 a missing permission, 404, 409, 413, 422...) is an answer: shown, not sent again.
            return response.json().catch(function () { return {}; }).then(function (problem) {
              refuse(entry, reasonOf(problem, response.status));
              return remove(entry.client_id);
            }).then(function () { return next(i + 1); });
          }
          if (response.status >= 500) {
            entry.failures = (entry.failures || 0) + 1;
            if (entry.failures >= SERVER_TRIES) {
              // The server fails on this one each time: set aside with the reason, the rest go up.
              refuse(entry, words.server_error + " (" + response.status + ")");
              return remove(entry.client_id).then(function () { return next(i + 1); });
            }
            return put([entry]).then(function () { return false; });
          }
          return false;  // busy (408, 429) or an answer that is not one: later
        }, function () { return false; });
      }
      return next(0);
    }).then(function (complete) {
      flushing = false;
      if (complete === false && !signedOut) { later(); } else { delay = 2000; }
      return show(complete && sent ? words.sent : (signedOut ? words.signin : "")).then(function (left) {
        // Everything is up: the page shows the server's own state again.
        if (complete && sent && !left.length) { reloadUnlessTyping(); }
      });
    }, function () { flushing = false; });
  }

  // The server's reason: FastAPI's detail (text, or a list of field errors), else the status.
  function reasonOf(problem, status) {
    var detail = problem && problem.detail;
    if (typeof detail === "string" && detail) { return detail; }
    if (detail && detail.length && detail[0].msg) {
      return detail.map(function (d) { return d.msg; }).join("; ");
    }
    return String(status);
  }

  // Another user's leftovers on this phone (a browser that ignored the sign-in's Clear-Site-Data):
  // their waiting entries, refused list and kept pages are not this user's to see or send.
  function forgetOthers() {
    var last = null;
    try { last = localStorage.getItem("fangyi-outbox-user"); } catch (e) { /* none */ }
    if (last === user) { return Promise.resolve(); }
    try {
      for (var k = localStorage.length - 1; k >= 0; k--) {
        var key = localStorage.key(k);
        if (key && key.indexOf("fangyi-outbox-refused-") === 0 && key !== refusedKey) { localStorage.removeItem(key); }
      }
      localStorage.setItem("fangyi-outbox-user", user);
    } catch (e) { /* none */ }
    var dropped = window.caches ? caches.delete(CACHE).catch(function () { return null; }) : Promise.resolve();
    return dropped.then(function () {
      return store("readwrite", function (s) {
        var request = s.getAll();
        request.onsuccess = function () {
          (request.result || []).forEach(function (e) { if (e.user !== user) { s.delete(e.client_id); } });
        };
        return null;
      });
    }).catch(function () { return null; });
  }

  function later() {
    if (retry) { return; }
    retry = setTimeout(function () { retry = null; flush(); }, delay);
    delay = Math.min(delay * 2, 60000);
  }

  // The kept copy's age, in local time.
  function keptNote() {
    if (kept === null) { return ""; }
    var at = new Date(kept);
    if (isNaN(at.getTime())) { return words.kept_undated; }
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return words.kept.replace("{at}", at.getFullYear() + "-" + two(at.getMonth() + 1) + "-" + two(at.getDate()) +
                              " " + two(at.getHours()) + ":" + two(at.getMinutes()));
  }

  // Something typed into a form and not yet kept or sent: a reload would lose it.
  function typing() {
    var fields = document.querySelectorAll("form[data-outbox] input, form[data-outbox] textarea");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.type === "hidden" || field.type === "submit" || field.type === "button") { continue; }
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked !== field.defaultChecked) { return true; }
      } else if (field.value !== field.defaultValue) { return true; }
    }
    var choices = document.querySelectorAll("form[data-outbox] option");
    for (var j = 0; j < choices.length; j++) {
      if (choices[j].selected !== choices[j].defaultSelected) { return true; }
    }
    return false;
  }
  function reloadUnlessTyping() {
    if (leaving) { return; }
    if (!typing()) { window.location.reload(); return; }
    var link = document.getElementById("outbox-renew");
    if (!link) {
      link = document.createElement("a");
      link.id = "outbox-renew";
      link.href = window.location.href;
      link.textContent = words.renew;
      box.appendChild(document.createTextNode(" "));
      box.appendChild(link);
    }
  }

  // A kept copy shown while the network answers again: fetched fresh (the worker says whether its
  // answer is the kept copy again), then shown.
  function renew() {
    if (kept === null || renewing || !navigator.onLine) { return; }
    if (flushing || waiting) { renewLater(); return; }  // entries go up first; their end reloads the page
    renewing = true;
    fetch(window.location.href, {credentials: "same-origin", cache: "no-store"}).then(function (response) {
      renewing = false;
      if (response.redirected) { show(words.signin); return; }  // signed out: the copy stays until they sign in
      if (response.ok && response.headers.get("X-Fangyi-Kept") === null) {
        // Entries made while it was fetched go up first (their end reloads the page).
        if (flushing || waiting) { renewLater(); return; }
        try { sessionStorage.setItem(RENEWED, String(Math.min(Math.max(renewedBefore * 2, 2000), 60000))); } catch (e) { /* none */ }
        reloadUnlessTyping();
        return;
      }
      renewLater();
    }, function () { renewing = false; renewLater(); });
  }
  function renewLater() {
    if (renewRetry) { return; }
    renewRetry = setTimeout(function () { renewRetry = null; renew(); }, renewDelay);
    renewDelay = Math.min(renewDelay * 2, 60000);
  }

  window.addEventListener("online", function () { delay = 2000; renewDelay = 2000; show().then(flush).then(renew); });
  window.addEventListener("offline", function () { show(); });
  setInterval(function () { if (waiting && navigator.onLine) { flush(); } }, 20000);
  forgetOthers().then(function () { showRefused(); return show(); }).then(flush).then(function () {
    if (renewedBefore) { renewDelay = renewedBefore; renewLater(); } else { renew(); }
  });
})();
