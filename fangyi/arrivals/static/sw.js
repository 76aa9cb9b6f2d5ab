/* The village line's service worker (scope /arrivals/): the village doctor's day, the household
   sweep and the checkpoint page keep opening without a network. Pages are fetched from the network
   first and kept; without a network the kept copy answers (the day's list is in the page). The
   page's script and the stylesheet are kept at install. Writes are never answered from here: the
   page's outbox (offline.js) keeps entries in IndexedDB and sends them when the network returns. */
"use strict";
var CACHE = "fangyi-arrivals-v1";
var SHELL = ["/arrivals/offline.js", "/static/fangyi.css"];
var PAGES = /^\/arrivals\/(day|checkpoint|sweep)$/;

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

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (PAGES.test(url.pathname)) {
    event.respondWith(fetch(request).then(function (response) { return keep(request, response); })
      .catch(function () {
        return caches.match(request).then(function (found) {
          return found || caches.match(url.pathname, {ignoreSearch: true}).then(function (page) {
            return page || new Response("offline", {status: 503, headers: {"Content-Type": "text/plain"}});
          });
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
