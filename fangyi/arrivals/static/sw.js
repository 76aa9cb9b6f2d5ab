/* The village line's service worker (scope /arrivals/): the village doctor's day, the household
   sweep and the checkpoint page keep opening without a network. Pages are fetched from the network
   first and kept; without a network the kept copy answers (the day's list is in the page). The
   page's script and the stylesheet are kept at install. A page answered from its kept copy says so
   (data-kept on the outbox, with when it was kept), so that offline.js shows its age and fetches a
   fresh one once the network answers. Writes are never answered from here: the page's outbox
   (offline.js) keeps entries in IndexedDB and sends them when the network returns. */
"use strict";
var CACHE = "fangyi-arrivals-v1";
var SHELL = ["/arrivals/offline.js", "/static/fangyi.css"];
var PAGES = /^\/arrivals\/(day|checkpoint|sweep|sentinels)$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key !== CACHE; })
      .map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

function keep(request, response) {
  // Only a page really shown to a signed-in user (a sign-in redirect is not kept).
  if (response && response.ok && !response.redirected && response.type === "basic") {
    var copy = response.clone();
    caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
  }
  return response;
}

// The pages kept are one user's. A page of another user drops the last one's copies before it is
// kept; a page that sends the phone to sign in (nobody signed in now) drops them all, so that the
// next holder of the phone, offline, is never shown the last user's page.
var USER_KEY = "/arrivals/__kept-for";
function keepPage(event, response) {
  var request = event.request;
  if (!response) { return response; }
  // A navigation's redirect comes back unopened (opaqueredirect); these pages redirect only to sign in.
  if (response.type === "opaqueredirect" ||
      (response.redirected && new URL(response.url).pathname === "/login")) {
    event.waitUntil(caches.open(CACHE).then(dropPages));
    return response;
  }
  if (response.type !== "basic" || !response.ok || response.redirected) { return response; }
  var copy = response.clone();
  event.waitUntil(copy.text().then(function (html) {
    var found = /data-user="([^"]*)"/.exec(html);
    var user = found ? found[1] : "";
    var headers = rebuilt(copy.headers);
    headers.set(KEPT_AT, new Date().toISOString());
    var page = new Response(html, {status: copy.status, statusText: copy.statusText, headers: headers});
    return caches.open(CACHE).then(function (cache) {
      return cache.match(USER_KEY).then(function (kept) { return kept ? kept.text() : null; }).then(function (last) {
        var ready = last !== null && last !== user ? dropPages(cache) : Promise.resolve();
        return ready.then(function () {
          return Promise.all([cache.put(request, page), cache.put(USER_KEY, new Response(user))]);
        });
      });
    });
  }).catch(function () { return null; }));
  return response;
}

// The kept copy, marked as one: its outbox carries when it was kept (a copy kept before this mark
// existed has the server's Date), and the answer a header the page's own fetch can read.
var KEPT_AT = "X-Fangyi-Kept-At";
// The headers of a body made again from its text: the network's length and encoding no longer hold.
function rebuilt(original) {
  var headers = new Headers(original);
  headers.delete("Content-Length");
  headers.delete("Content-Encoding");
  return headers;
}
function asKept(found) {
  var at = found.headers.get(KEPT_AT) || found.headers.get("Date") || "";
  return found.text().then(function (html) {
    var marked = html.replace('id="outbox"', 'id="outbox" data-kept="' + at.replace(/[^\w:.,+ -]/g, "") + '"');
    var headers = rebuilt(found.headers);
    headers.set("X-Fangyi-Kept", "1");
    return new Response(marked, {status: 200, headers: headers});
  });
}
function dropPages(cache) {
  return cache.keys().then(function (requests) {
    return Promise.all(requests.filter(function (r) {
      var path = new URL(r.url).pathname;
      return PAGES.test(path) || path === USER_KEY;
    }).map(function (r) { return cache.delete(r); }));
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (PAGES.test(url.pathname)) {
    event.respondWith(fetch(request).then(function (response) { return keepPage(event, response); })
      .catch(function () {
        return caches.match(request).then(function (found) {
          return found || caches.match(url.pathname, {ignoreSearch: true});
        }).then(function (page) {
          return page ? asKept(page) : new Response("offline", {status: 503, headers: {"Content-Type": "text/plain"}});
        });
      }));
    return;
  }
  if (SHELL.indexOf(url.pathname) >= 0 || url.pathname.indexOf("/static/") === 0) {
    // Kept copy first, refreshed in the background.
    event.respondWith(caches.match(request).then(function (found) {
      var fresh = fetch(request).then(function (response) { return keep(request, response); });
      if (found) { fresh.catch(function () { return null; }); return found; }
      return fresh;
    }));
  }
});
