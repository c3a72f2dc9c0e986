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
  var live = window.wya;
  if (!live) return;
  var isRoom = cfg.kind === "room";

  var list = document.getElementById("messages");
  var statusEl = document.getElementById("live-status");
  var typingEl = document.getElementById("typing");
  var errorEl = document.getElementById("composer-error");
  var form = document.getElementById("composer");
  var input = document.getElementById("composer-input");

  var TYPING_EXPIRE_MS = 10000;
  var TYPING_REFRESH_MS = 4000;
  var TYPING_IDLE_MS = 3000;

  var seen = new Set();
  var lastId = cfg.last_id || 0;
  var pending = new Map(); // client_id -> {frame, el}
  var typers = new Map(); // user_id -> expiry timer
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

  function buildItem(authorId, text, mediaUrl, createdAt, blurred) {
    var li = document.createElement("li");
    li.className = "msg" + (authorId === cfg.me ? " mine" : "");
    li.appendChild(avatarElement(authorId));
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
      li.appendChild(mediaElement(mediaUrl, blurred));
    }
    var time = document.createElement("time");
    time.textContent = formatTime(createdAt);
    if (createdAt) time.setAttribute("datetime", createdAt);
    li.appendChild(time);
    return li;
  }

  function avatarElement(userId) {
    var url = cfg.avatars && cfg.avatars[userId];
    var el;
    if (url && /^\/|^https:\/\//.test(url)) {
      el = document.createElement("img");
      el.src = url;
      el.alt = "";
    } else {
      el = document.createElement("span");
      el.setAttribute("aria-hidden", "true");
      el.textContent = nameOf(userId).split(/\s+/).slice(0, 2).map(function (w) { return w.charAt(0); }).join("").toUpperCase() || "?";
    }
    el.className = "avatar small";
    return el;
  }

  // Media: images as an image, audio as a player, anything else as a link. An image from
  // someone new (``blurred``: the frame's or the history's hint) stays blurred until tapped.
  function mediaElement(url, blurred) {
    var box = document.createElement("div");
    box.className = "media";
    var el;
    if (/\.(jpe?g|png|gif|webp)$/i.test(url)) {
      el = document.createElement("img");
      el.src = url;
      el.alt = "image attachment";
      el.loading = "lazy";
      if (blurred) {
        box.className = "media blurred";
        box.appendChild(el);
        box.appendChild(revealButton());
        return box;
      }
    } else if (/\.(mp3|aac|ogg|opus|m4a|wav|webm)$/i.test(url)) {
      el = document.createElement("audio");
      el.controls = true;
      el.preload = "none";
      el.src = url;
    } else {
      el = document.createElement("a");
      el.href = url;
      el.rel = "noopener noreferrer";
      el.target = "_blank";
      el.textContent = "attachment";
    }
    box.appendChild(el);
    return box;
  }

  function revealButton() {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "reveal";
    button.textContent = "Tap to show";
    var hint = document.createElement("span");
    hint.className = "visually-hidden";
    hint.textContent = " the image from someone new";
    button.appendChild(hint);
    return button;
  }

  // A tap on "Tap to show" reveals that one image (client side only: per image, per page).
  function onReveal(event) {
    var button = event.target.closest && event.target.closest("button.reveal");
    if (!button || !list.contains(button)) return;
    var box = button.parentNode;
    box.classList.remove("blurred");
    box.removeChild(button);
  }

  // --- First contact (docs/live.md): the prompt arrives with the first message live ---------
  var firstContactEl = document.getElementById("first-contact");

  function showFirstContact(message) {
    if (!firstContactEl || !firstContactEl.hidden || message.sender_id !== cfg.to) return;
    var target = document.getElementById("first-contact-report-target");
    if (target) {
      target.name = "dm"; // the Report button reports this first message
      target.value = String(message.id);
    }
    firstContactEl.hidden = false;
  }

  var attachInput = document.getElementById("composer-file");
  var sendButton = document.getElementById("composer-send");
  var closedEl = document.getElementById("conversation-closed");

  function disableInputs() {
    input.disabled = true;
    if (sendButton) sendButton.disabled = true;
    if (attachInput) attachInput.disabled = true;
    sendTypingStop();
  }

  /* The conversation is over (a block either way, or I left the room): say so in a sentence. */
  function closeConversation(text) {
    stopped = true;
    disableInputs();
    typers.forEach(function (timer) { clearTimeout(timer); });
    typers.clear();
    renderTyping();
    if (closedEl) {
      closedEl.textContent = text;
      closedEl.hidden = false;
    }
    setStatus("closed", "conversation closed");
  }

  function disableComposer(text) {
    disableInputs();
    var note = document.getElementById("composer-muted");
    if (note) {
      note.textContent = text;
      note.hidden = false;
    }
  }

  /* A lifted or ended mute gives the box back (not when the conversation is closed). */
  function enableComposer() {
    if (stopped || cfg.closed) return;
    input.disabled = false;
    input.removeAttribute("title");
    if (sendButton) sendButton.disabled = false;
    if (attachInput) attachInput.disabled = false;
    var note = document.getElementById("composer-muted");
    if (note) {
      note.textContent = "";
      note.hidden = true;
    }
  }

  function onMuted(action) {
    disableComposer("You are muted " + live.inWords(action.expires_at) + ": the message box is off until then.");
  }

  function onBlock(frame) {
    if (!frame.blocked) return;
    if (!isRoom && frame.user_id === cfg.to) {
      closeConversation(
        "This conversation has ended: one of you blocked the other. " +
        "Neither of you can see or message the other any more."
      );
      return;
    }
    if (isRoom) {
      var item = memberItem(frame.user_id);
      if (item) item.remove();
    }
  }

  function presenceWords() {
    Array.prototype.forEach.call(document.querySelectorAll("#members li[data-user]"), function (li) {
      var dot = li.querySelector(".dot");
      var word = li.querySelector(".presence-word");
      if (dot && word) word.textContent = dot.title || "offline";
    });
  }

  function csrfToken() {
    var field = form.querySelector('input[name="csrfmiddlewaretoken"]');
    return field ? field.value : "";
  }

  function upload(file) {
    var body = new FormData();
    body.append("file", file);
    return fetch("/api/media/", {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.detail || "The file could not be uploaded.");
        return data.media_url;
      });
    });
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

  function render(message, blurred) {
    if (!belongsHere(message) || seen.has(message.id)) return;
    seen.add(message.id);
    removePlaceholder();
    blurred = blurred === true || message.blurred === true;
    // Replying chooses the contact: the prompt has been answered (the server agrees).
    if (message.sender_id === cfg.me && firstContactEl) firstContactEl.hidden = true;
    var li = buildItem(authorOf(message), message.message, message.media_url, message.created_at, blurred);
    li.dataset.id = String(message.id);
    placeConfirmed(li, message.id);
    if (message.id > lastId) lastId = message.id;
    stopTyper(authorOf(message));
    scrollDown();
    markRead();
    if (!isRoom && !document.hidden) live.markDmRead(cfg.to, message.id);
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
    return live.send(frame);
  }

  function markRead() {
    if (!isRoom || document.hidden) return;
    var now = Date.now();
    if (now - lastReadSent < 5000) return;
    if (sendFrame({ type: "room.read", room_id: cfg.room_id })) lastReadSent = now;
  }

  function onSubmit(event) {
    event.preventDefault();
    if (stopped || input.disabled) return;
    var text = input.value;
    var file = attachInput && attachInput.files && attachInput.files[0];
    if (!text.trim() && !file) return;
    clearError();
    sendTypingStop();
    if (file) {
      sendButton.disabled = true;
      upload(file)
        .then(function (url) {
          attachInput.value = "";
          var nameEl = document.getElementById("attach-name");
          if (nameEl) nameEl.textContent = "";
          queue(text, url);
        })
        .catch(function (error) { showError(error.message); })
        .then(function () { sendButton.disabled = stopped || input.disabled; });
      return;
    }
    queue(text, null);
  }

  function queue(text, mediaUrl) {
    var clientId = newClientId();
    var frame = isRoom
      ? { type: "room.send", room_id: cfg.room_id, message: text, media_url: mediaUrl, client_id: clientId }
      : { type: "dm.send", to: cfg.to, message: text, media_url: mediaUrl, client_id: clientId };
    removePlaceholder();
    var li = buildItem(cfg.me, text, mediaUrl, null);
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

  var FRIENDLY = {
    rate_limited: "You are sending messages too fast. Wait a moment and try again.",
    restricted: "Your account is restricted: you can only answer people who wrote to you first.",
    banned: "You are banned from this room.",
    not_member: "You are not a member of this room any more.",
    too_long: "That message is too long (2000 characters at most).",
    muted: "You are muted: you can read, but not send messages until the mute ends.",
  };

  function friendly(frame) {
    return FRIENDLY[frame.code] || frame.detail || "Something went wrong. Try again.";
  }

  function onErrorFrame(frame) {
    var entry = frame.client_id ? pending.get(frame.client_id) : null;
    if (entry) {
      pending.delete(frame.client_id);
      entry.el.classList.remove("pending");
      entry.el.classList.add("failed");
      entry.el.title = "Not sent";
    }
    errorEl.dataset.code = frame.code || "";
    if (!isRoom && frame.code === "not_found" && entry) {
      closeConversation("This conversation has ended: you can no longer message this person.");
      return;
    }
    if (frame.code === "muted") {
      disableComposer(FRIENDLY.muted);
    }
    showError(friendly(frame));
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
    var word = item && item.querySelector(".presence-word");
    if (word) word.textContent = frame.status;
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
      disableInputs();
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
          if (data.first_contact === true) {
            var first = data.results.filter(function (m) { return m.sender_id === cfg.to; })[0];
            if (first) showFirstContact(first);
          }
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

  // --- The socket (site.js owns it; this page listens) ------------------------------------
  function onOpen(ws) {
    setStatus("open", "live");
    onPresence({ user_id: cfg.me, status: "online" }); // my own dot: this socket is me
    pending.forEach(function (entry) { ws.send(JSON.stringify(entry.frame)); });
    catchUp();
    markRead();
  }

  function onClose(final) {
    typingActive = false;
    if (final || stopped) {
      setStatus("closed", "disconnected");
      return;
    }
    setStatus("closed", "offline, reconnecting…");
  }

  live.on("room.message", function (frame) { render(frame.message); });
  live.on("dm.message", function (frame) {
    if (!belongsHere(frame.message)) return;
    if (frame.first_contact === true) showFirstContact(frame.message);
    render(frame.message, frame.blurred === true);
  });
  live.on("ack", onAck);
  live.on("error", onErrorFrame);
  live.on("typing", onTyping);
  live.on("presence", onPresence);
  live.on("room.member", onMember);
  live.on("block", onBlock);
  live.onOpen(onOpen);
  live.onClose(onClose);
  document.addEventListener("wya:muted", function (event) { onMuted(event.detail); });
  document.addEventListener("wya:unmuted", enableComposer);
  document.addEventListener("wya:refreshed", function () { presenceWords(); });

  form.addEventListener("submit", onSubmit);
  list.addEventListener("click", onReveal);
  if (attachInput) {
    attachInput.addEventListener("change", function () {
      var nameEl = document.getElementById("attach-name");
      var file = attachInput.files && attachInput.files[0];
      if (nameEl) nameEl.textContent = file ? "Attached: " + file.name + " (sent with your next message)" : "";
    });
  }
  input.addEventListener("input", onInput);
  document.addEventListener("visibilitychange", markRead);

  // A small handle for debugging and the browser tests (drop the socket, read the state).
  window.wyaLive = {
    get connected() { return live.connected; },
    get lastId() { return lastId; },
    get pendingCount() { return pending.size; },
    dropSocket: function () { live.drop(); },
  };

  if (cfg.closed) closeConversation(cfg.closed);
  if (cfg.muted) disableComposer(cfg.muted);
  var mutedNote = document.getElementById("composer-muted");
  if (mutedNote && mutedNote.dataset.expiresAt && live.scheduleMuteEnd) {
    live.scheduleMuteEnd({ expires_at: mutedNote.dataset.expiresAt });
  }
  scrollDown();
  if (!isRoom) live.markDmRead(cfg.to, lastId);
})();
