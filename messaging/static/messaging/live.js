/* WYA!? live chat for the room and DM pages (docs/pages.md). Plain JS, no build step.
 *
 * One WebSocket per page to /ws/ (session cookie, same origin). Sends room.send / dm.send with a
 * client_id, shows the message as pending until its ack, renders room.message / dm.message for
 * this page once (dedupe by id), shows error frames next to the composer, sends and shows typing,
 * pings every 25 s, and on every (re)connect catches up through the REST history (?after=<last
 * id>) and resends pending frames with the same client_id (the server dedupes them).
 * User text only ever goes through textContent.
 */
(function () {
  "use strict";

  var configElement = document.getElementById("live-config");
  if (!configElement) return;
  var cfg = JSON.parse(configElement.textContent);
  var isRoom = cfg.kind === "room";

  var list = document.getElementById("messages");
  var statusEl = document.getElementById("live-status");
  var typingEl = document.getElementById("typing");
  var errorEl = document.getElementById("composer-error");
  var form = document.getElementById("composer");
  var input = document.getElementById("composer-input");

  var PING_MS = 25000;
  var TYPING_EXPIRE_MS = 10000;
  var TYPING_REFRESH_MS = 4000;
  var TYPING_IDLE_MS = 3000;
  var BACKOFF_MIN_MS = 500;
  var BACKOFF_MAX_MS = 15000;

  var seen = new Set();
  var lastId = cfg.last_id || 0;
  var pending = new Map(); // client_id -> {frame, el}
  var typers = new Map(); // user_id -> expiry timer
  var socket = null;
  var attempts = 0;
  var pingTimer = null;
  var reconnectTimer = null;
  var stopped = false;
  var typingActive = false;
  var typingLastStart = 0;
  var typingIdleTimer = null;
  var lastReadSent = 0;

  Array.prototype.forEach.call(list.querySelectorAll("li[data-id]"), function (li) {
    seen.add(Number(li.dataset.id));
  });

  // --- Helpers -----------------------------------------------------------------------------
  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) { return (b + 256).toString(16).slice(1); })
      .join("");
  }

  function nameOf(userId) {
    return (cfg.names && cfg.names[userId]) || "Someone";
  }

  function setStatus(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  function showError(text) {
    errorEl.textContent = text;
    errorEl.hidden = false;
  }

  function clearError() {
    errorEl.textContent = "";
    errorEl.hidden = true;
  }

  function authorOf(message) {
    return isRoom ? message.user_id : message.sender_id;
  }

  function belongsHere(message) {
    if (isRoom) return message.room_id === cfg.room_id;
    return (
      (message.sender_id === cfg.to && message.recipient_id === cfg.me) ||
      (message.sender_id === cfg.me && message.recipient_id === cfg.to)
    );
  }

  function formatTime(iso) {
    var date = iso ? new Date(iso) : new Date();
    if (isNaN(date.getTime())) date = new Date();
    return ("0" + date.getHours()).slice(-2) + ":" + ("0" + date.getMinutes()).slice(-2);
  }

  function buildItem(authorId, text, mediaUrl, createdAt) {
    var li = document.createElement("li");
    li.className = "msg" + (authorId === cfg.me ? " mine" : "");
    var author = document.createElement("span");
    author.className = "author";
    author.textContent = nameOf(authorId);
    var body = document.createElement("span");
    body.className = "text";
    body.textContent = text;
    li.appendChild(author);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(body);
    if (mediaUrl && /^\/|^https:\/\//.test(mediaUrl)) {
      var link = document.createElement("a");
      link.className = "media";
      link.href = mediaUrl;
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      link.textContent = "attachment";
      li.appendChild(document.createTextNode(" "));
      li.appendChild(link);
    }
    var time = document.createElement("time");
    time.textContent = formatTime(createdAt);
    if (createdAt) time.setAttribute("datetime", createdAt);
    li.appendChild(time);
    return li;
  }

  function removePlaceholder() {
    var empty = list.querySelector("li.empty");
    if (empty) empty.remove();
  }

  function scrollDown() {
    list.scrollTop = list.scrollHeight;
  }

  /* Confirmed messages are kept in id order, pending ones after them. */
  function placeConfirmed(li, id) {
    var children = list.children;
    for (var i = 0; i < children.length; i++) {
      var other = children[i];
      if (other === li) continue;
      if (!other.dataset.id || Number(other.dataset.id) > id) {
        list.insertBefore(li, other);
        return;
      }
    }
    list.appendChild(li);
  }

  function render(message) {
    if (!belongsHere(message) || seen.has(message.id)) return;
    seen.add(message.id);
    removePlaceholder();
    var li = buildItem(authorOf(message), message.message, message.media_url, message.created_at);
    li.dataset.id = String(message.id);
    placeConfirmed(li, message.id);
    if (message.id > lastId) lastId = message.id;
    stopTyper(authorOf(message));
    scrollDown();
    markRead();
  }

  // --- Typing ------------------------------------------------------------------------------
  function renderTyping() {
    var names = [];
    typers.forEach(function (_timer, userId) { names.push(nameOf(userId)); });
    if (!names.length) {
      typingEl.textContent = "";
      return;
    }
    typingEl.textContent = names.join(", ") + (names.length > 1 ? " are typing…" : " is typing…");
  }

  function stopTyper(userId) {
    if (typers.has(userId)) {
      clearTimeout(typers.get(userId));
      typers.delete(userId);
      renderTyping();
    }
  }

  function onTyping(frame) {
    var here = isRoom ? frame.room_id === cfg.room_id : frame.from === cfg.to && !frame.room_id;
    if (!here || frame.user_id === cfg.me) return;
    if (frame.state === "start") {
      clearTimeout(typers.get(frame.user_id));
      typers.set(frame.user_id, setTimeout(function () { stopTyper(frame.user_id); }, TYPING_EXPIRE_MS));
      renderTyping();
    } else {
      stopTyper(frame.user_id);
    }
  }

  function typingFrame(state) {
    return isRoom
      ? { type: "typing", room_id: cfg.room_id, state: state }
      : { type: "typing", to: cfg.to, state: state };
  }

  function sendTypingStop() {
    clearTimeout(typingIdleTimer);
    if (typingActive) {
      typingActive = false;
      sendFrame(typingFrame("stop"));
    }
  }

  function onInput() {
    if (!input.value.trim()) {
      sendTypingStop();
      return;
    }
    var now = Date.now();
    if (!typingActive || now - typingLastStart > TYPING_REFRESH_MS) {
      if (sendFrame(typingFrame("start"))) {
        typingActive = true;
        typingLastStart = now;
      }
    }
    clearTimeout(typingIdleTimer);
    typingIdleTimer = setTimeout(sendTypingStop, TYPING_IDLE_MS);
  }

  // --- Sending -----------------------------------------------------------------------------
  function sendFrame(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function markRead() {
    if (!isRoom || document.hidden) return;
    var now = Date.now();
    if (now - lastReadSent < 5000) return;
    if (sendFrame({ type: "room.read", room_id: cfg.room_id })) lastReadSent = now;
  }

  function onSubmit(event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    clearError();
    sendTypingStop();
    var clientId = newClientId();
    var frame = isRoom
      ? { type: "room.send", room_id: cfg.room_id, message: text, media_url: null, client_id: clientId }
      : { type: "dm.send", to: cfg.to, message: text, media_url: null, client_id: clientId };
    removePlaceholder();
    var li = buildItem(cfg.me, text, null, null);
    li.classList.add("pending");
    li.dataset.clientId = clientId;
    list.appendChild(li);
    scrollDown();
    pending.set(clientId, { frame: frame, el: li });
    input.value = "";
    sendFrame(frame); // when offline it stays pending and goes out on reconnect
  }

  function onAck(frame) {
    var entry = pending.get(frame.client_id);
    if (!entry) return;
    pending.delete(frame.client_id);
    if (seen.has(frame.id)) {
      entry.el.remove(); // the echo (or the catch-up) already showed it
      return;
    }
    seen.add(frame.id);
    entry.el.classList.remove("pending");
    entry.el.dataset.id = String(frame.id);
    delete entry.el.dataset.clientId;
    placeConfirmed(entry.el, frame.id);
    if (frame.id > lastId) lastId = frame.id;
  }

  function onErrorFrame(frame) {
    var entry = frame.client_id ? pending.get(frame.client_id) : null;
    if (entry) {
      pending.delete(frame.client_id);
      entry.el.classList.remove("pending");
      entry.el.classList.add("failed");
      entry.el.title = "Not sent";
    }
    showError(frame.detail || "Something went wrong.");
    errorEl.dataset.code = frame.code || "";
  }

  // --- Room membership and presence --------------------------------------------------------
  function memberItem(userId) {
    var items = document.querySelectorAll("#members li[data-user]");
    for (var i = 0; i < items.length; i++) {
      if (items[i].dataset.user === userId) return items[i];
    }
    return null;
  }

  function onPresence(frame) {
    var item = memberItem(frame.user_id);
    var dot = item && item.querySelector(".dot");
    if (dot) {
      dot.className = "dot " + frame.status;
      dot.title = frame.status;
    }
  }

  function refreshNames() {
    if (!cfg.members_url) return;
    fetch(cfg.members_url + "?limit=100", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        data.results.forEach(function (member) {
          if (member.display_name) cfg.names[member.user_id] = member.display_name;
        });
      })
      .catch(function () {});
  }

  function onMember(frame) {
    if (!isRoom || frame.room_id !== cfg.room_id) return;
    if (frame.user_id === cfg.me && ["left", "kicked", "banned"].indexOf(frame.event) >= 0) {
      stopped = true;
      showError(frame.event === "left" ? "You left this room." : "You were " + frame.event + " from this room.");
      input.disabled = true;
      if (socket) socket.close();
      return;
    }
    if (frame.event === "joined" && !cfg.names[frame.user_id]) refreshNames();
    if (["left", "kicked", "banned"].indexOf(frame.event) >= 0) {
      var item = memberItem(frame.user_id);
      if (item) item.remove();
    }
  }

  // --- Catch-up through REST ---------------------------------------------------------------
  function catchUp() {
    var cursor = lastId;
    function page() {
      var url = cfg.history_url + "?after=" + encodeURIComponent(cursor) + "&limit=100";
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("history " + response.status);
          return response.json();
        })
        .then(function (data) {
          data.results.forEach(function (message) {
            render(message);
            if (message.id > cursor) cursor = message.id;
          });
          if (data.has_more && data.results.length) return page();
        });
    }
    return page().catch(function () {
      /* the next reconnect tries again */
    });
  }

  // --- The socket --------------------------------------------------------------------------
  function socketUrl() {
    return (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + "/ws/";
  }

  function connect() {
    if (stopped) return;
    reconnectTimer = null;
    setStatus("connecting", attempts ? "reconnecting…" : "connecting…");
    var ws = new WebSocket(socketUrl());
    socket = ws;
    ws.onopen = function () {
      if (socket !== ws) return;
      attempts = 0;
      setStatus("open", "live");
      onPresence({ user_id: cfg.me, status: "online" }); // my own dot: this socket is me
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { sendFrame({ type: "ping" }); }, PING_MS);
      pending.forEach(function (entry) { ws.send(JSON.stringify(entry.frame)); });
      catchUp();
      markRead();
    };
    ws.onmessage = function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      switch (frame.type) {
        case "room.message":
        case "dm.message":
          render(frame.message);
          break;
        case "ack":
          onAck(frame);
          break;
        case "error":
          onErrorFrame(frame);
          break;
        case "typing":
          onTyping(frame);
          break;
        case "presence":
          onPresence(frame);
          break;
        case "room.member":
          onMember(frame);
          break;
        default:
          break;
      }
    };
    ws.onclose = function (event) {
      if (socket !== ws) return;
      socket = null;
      clearInterval(pingTimer);
      typingActive = false;
      if (event.code === 4001) stopped = true; // logged out, deleted or banned: stay closed
      if (stopped) {
        setStatus("closed", "disconnected");
        return;
      }
      var delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, attempts));
      delay = delay / 2 + Math.random() * (delay / 2);
      attempts += 1;
      setStatus("closed", "offline, reconnecting…");
      reconnectTimer = setTimeout(connect, delay);
    };
  }

  form.addEventListener("submit", onSubmit);
  input.addEventListener("input", onInput);
  window.addEventListener("online", function () {
    if (reconnectTimer && !socket) {
      clearTimeout(reconnectTimer);
      connect();
    }
  });
  document.addEventListener("visibilitychange", markRead);

  // A small handle for debugging and the browser tests (drop the socket, read the state).
  window.wyaLive = {
    get connected() { return !!socket && socket.readyState === WebSocket.OPEN; },
    get lastId() { return lastId; },
    get pendingCount() { return pending.size; },
    dropSocket: function () { if (socket) socket.close(); },
  };

  scrollDown();
  connect();
})();
