/* WYA!? live layer for every logged-in page (docs/pages.md). Plain JS, no build step, no CDN.
 *
 * Opens the page's ONE WebSocket to /ws/ (session cookie, same origin), pings every 25 s,
 * reconnects with exponential backoff and jitter (0.5 s doubling to 15 s; at once on `online`;
 * close codes 4001 and 4029 are final) and hands every frame to the listeners registered with
 * window.wya.on(type, fn). Chat pages (live.js) build on it.
 *
 * Site-wide it keeps live: the unread badges in the header, the rooms list (#my-rooms) and my
 * room invitations (#my-invites, on a `room.invite` frame), the
 * inbox (#conversations) — order, counts and unread markers — re-rendered by the server (the
 * fragment of the same page is fetched again, so the rules stay on the server), the room page's
 * member list and count, and moderation notices (a mute or restriction disables the message box
 * and says until when, in words).
 */
(function () {
  "use strict";

  var PING_MS = 25000;
  var BACKOFF_MIN_MS = 500;
  var BACKOFF_MAX_MS = 15000;
  var listeners = {};
  var openListeners = [];
  var closeListeners = [];
  var socket = null;
  var attempts = 0;
  var pingTimer = null;
  var reconnectTimer = null;
  var stopped = false;
  var opens = 0;

  var chatConfigEl = document.getElementById("live-config");
  var chat = chatConfigEl ? JSON.parse(chatConfigEl.textContent) : null;
  var meEl = document.getElementById("site-me");
  var me = (chat && chat.me) || (meEl && JSON.parse(meEl.textContent)) || null;

  function on(type, fn) {
    (listeners[type] = listeners[type] || []).push(fn);
  }

  function emit(frame) {
    (listeners[frame.type] || []).forEach(function (fn) {
      try { fn(frame); } catch (e) { if (window.console) console.error(e); }
    });
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function socketUrl() {
    return (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + "/ws/";
  }

  function connect() {
    if (stopped) return;
    reconnectTimer = null;
    var ws = new WebSocket(socketUrl());
    socket = ws;
    ws.onopen = function () {
      if (socket !== ws) return;
      attempts = 0;
      opens += 1;
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { send({ type: "ping" }); }, PING_MS);
      openListeners.forEach(function (fn) { fn(ws, opens); });
      if (opens > 1) refreshAll(); // fill what a lost connection missed in the lists too
    };
    ws.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame.type === "string") emit(frame);
    };
    ws.onclose = function (event) {
      if (socket !== ws) return;
      socket = null;
      clearInterval(pingTimer);
      // 4001: logged out, deleted or banned; 4029: closed as the oldest of too many sockets
      // (reconnecting would close a newer tab's socket in turn). Stay closed.
      if (event.code === 4001 || event.code === 4029) stopped = true;
      var delay = 0;
      if (!stopped) {
        delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, attempts));
        delay = delay / 2 + Math.random() * (delay / 2);
        attempts += 1;
        reconnectTimer = setTimeout(connect, delay);
      }
      closeListeners.forEach(function (fn) { fn(stopped, delay); });
    };
  }

  window.addEventListener("online", function () {
    if (reconnectTimer && !socket) {
      clearTimeout(reconnectTimer);
      connect();
    }
  });

  window.wya = {
    on: on,
    send: send,
    me: me,
    onOpen: function (fn) {
      openListeners.push(fn);
      if (socket && socket.readyState === WebSocket.OPEN) fn(socket, opens); // registered late
    },
    onClose: function (fn) { closeListeners.push(fn); },
    stop: function () { stopped = true; if (socket) socket.close(); },
    drop: function () { if (socket) socket.close(); },
    get connected() { return !!socket && socket.readyState === WebSocket.OPEN; },
    get opens() { return opens; },
  };

  // --- Server-rendered fragments, fetched again when something changed ---------------------
  var refreshTimers = {};
  function refresh(ids) {
    var key = ids.join(",");
    clearTimeout(refreshTimers[key]);
    refreshTimers[key] = setTimeout(function () {
      fetch(window.location.pathname + window.location.search, {
        credentials: "same-origin",
        headers: { Accept: "text/html", "X-Fragment": "1" },
      })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          ids.forEach(function (id) {
            var fresh = doc.getElementById(id);
            var current = document.getElementById(id);
            if (fresh && current) current.replaceWith(document.importNode(fresh, true));
          });
          applyDmReadMarks();
          document.dispatchEvent(new CustomEvent("wya:refreshed", { detail: ids }));
        })
        .catch(function () {});
    }, 250);
  }

  function refreshAll() {
    var ids = ["my-rooms", "my-invites", "conversations", "members", "room-meta"].filter(function (id) {
      return document.getElementById(id);
    });
    if (ids.length) refresh(ids);
  }

  // --- Header badges -----------------------------------------------------------------------
  function bump(badgeId, by) {
    var badge = document.getElementById(badgeId);
    if (!badge) return;
    var n = Math.max(0, Number(badge.dataset.count || 0) + by);
    badge.dataset.count = String(n);
    badge.querySelector(".n").textContent = String(n);
    badge.hidden = n === 0;
  }

  function viewingRoom(roomId) {
    return chat && chat.kind === "room" && chat.room_id === roomId && !document.hidden;
  }

  function viewingDm(userId) {
    return chat && chat.kind === "dm" && chat.to === userId && !document.hidden;
  }

  on("room.message", function (frame) {
    var message = frame.message || {};
    if (message.user_id !== me && !viewingRoom(message.room_id)) bump("unread-badge", 1);
    if (document.getElementById("my-rooms")) refresh(["my-rooms"]);
  });

  on("dm.message", function (frame) {
    var message = frame.message || {};
    if (message.sender_id !== me && !viewingDm(message.sender_id)) bump("dm-badge", 1);
    if (document.getElementById("conversations")) refresh(["conversations"]);
  });

  on("room.member", function (frame) {
    if (document.getElementById("my-rooms")) refresh(["my-rooms"]);
    if (chat && chat.kind === "room" && frame.room_id === chat.room_id && frame.user_id !== me) {
      refresh(["members", "room-meta"]);
    }
  });

  on("room.invite", function () {
    if (document.getElementById("my-invites")) refresh(["my-invites"]);
  });

  on("block", function () {
    if (document.getElementById("conversations")) refresh(["conversations"]);
    if (document.getElementById("members")) refresh(["members", "room-meta"]);
  });

  // --- DM unread markers (the inbox remembers, per browser, the last message I saw) --------
  function readKey(userId) { return "wya:dm-read:" + me + ":" + userId; }

  function markDmRead(userId, messageId) {
    try {
      var before = Number(window.localStorage.getItem(readKey(userId)) || 0);
      if (messageId > before) window.localStorage.setItem(readKey(userId), String(messageId));
    } catch (e) { /* private mode: no markers */ }
  }

  function applyDmReadMarks() {
    var rows = document.querySelectorAll("#conversations li[data-user]");
    Array.prototype.forEach.call(rows, function (row) {
      var last = Number(row.dataset.lastId || 0);
      var read = 0;
      try { read = Number(window.localStorage.getItem(readKey(row.dataset.user)) || 0); } catch (e) { read = last; }
      var unread = row.dataset.mine !== "1" && last > read;
      row.classList.toggle("unread", unread);
      var marker = row.querySelector(".unread-marker");
      if (marker) marker.hidden = !unread;
    });
  }
  window.wya.markDmRead = markDmRead;

  // --- Notices: a mute or restriction in force --------------------------------------------
  function inWords(iso) {
    if (!iso) return "until a moderator lifts it";
    var end = new Date(iso);
    if (isNaN(end.getTime())) return "for a while";
    var minutes = Math.round((end.getTime() - Date.now()) / 60000);
    var when = end.toLocaleString([], { weekday: "long", hour: "2-digit", minute: "2-digit" });
    if (minutes <= 1) return "for about a minute more";
    if (minutes < 60) return "for " + minutes + " more minutes (until " + when + ")";
    var hours = Math.round(minutes / 60);
    if (hours < 48) return "for about " + hours + " more hour" + (hours === 1 ? "" : "s") + " (until " + when + ")";
    return "until " + end.toLocaleDateString([], { day: "numeric", month: "long", year: "numeric" });
  }
  window.wya.inWords = inWords;

  on("notice", function (frame) {
    var action = frame.action || {};
    var banner = document.getElementById("live-notice");
    if (!banner) return;
    var text;
    if (action.action_type === "mute") {
      text = "A moderator muted you " + inWords(action.expires_at) + ". You can read, but not send messages.";
    } else if (action.action_type === "restrict") {
      text = "A moderator restricted your account " + inWords(action.expires_at) +
        ". You can only answer people who wrote to you first, and cannot create or join public rooms.";
    } else if (action.action_type === "warn") {
      text = "A moderator warned you" + (action.reason ? ": " + action.reason : ".");
    } else if (action.action_type === "appeal_upheld" || action.action_type === "appeal_lifted") {
      onAppealOutcome(action, banner);
      return;
    } else {
      return;
    }
    if (action.reason && action.action_type !== "warn") text += " Reason: " + action.reason;
    banner.textContent = text;
    banner.hidden = false;
    if (action.action_type === "mute") {
      document.dispatchEvent(new CustomEvent("wya:muted", { detail: action }));
      scheduleMuteEnd(action);
    }
  });

  /* An appeal's outcome (docs/moderation.md "Appeals"). A lift ends the action at once: the
     message box comes back unless another mute holds (``muted``; live.js listens for
     wya:unmuted) and the mute/restriction banner goes unless a restriction holds too
     (``restricted``), without a reload. */
  function onAppealOutcome(action, banner) {
    var lifted = action.action_type === "appeal_lifted";
    banner.textContent = (lifted ? "Your appeal was granted: the action was lifted." :
      "Your appeal was reviewed: the decision stands.") + (action.reason ? " Reason: " + action.reason : "");
    banner.hidden = false;
    banner.classList.toggle("error", !lifted);
    if (lifted && !action.muted) {
      var standing = document.getElementById("moderation-banner");
      if (standing && !action.restricted) standing.hidden = true;
      document.dispatchEvent(new CustomEvent("wya:unmuted", { detail: action }));
    }
  }

  /* A mute that expires while the page is open gives the box back at its end, without a
     reload (a timer from expires_at; the server decides anyway: a send before then is refused). */
  var muteTimer = null;
  function scheduleMuteEnd(action) {
    if (muteTimer) clearTimeout(muteTimer);
    muteTimer = null;
    if (!action || !action.expires_at) return;
    var wait = new Date(action.expires_at).getTime() - Date.now();
    if (isNaN(wait) || wait > 2147483647) return;
    muteTimer = setTimeout(function () {
      var standing = document.getElementById("moderation-banner");
      if (standing) standing.hidden = true;
      var notice = document.getElementById("live-notice");
      if (notice) notice.hidden = true;
      document.dispatchEvent(new CustomEvent("wya:unmuted", { detail: action }));
    }, Math.max(wait, 0) + 1000);
  }
  window.wya.scheduleMuteEnd = scheduleMuteEnd;

  if (me) {
    applyDmReadMarks();
    // Connect once every script of the page has registered its listeners.
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", connect);
    } else {
      connect();
    }
  }
})();
