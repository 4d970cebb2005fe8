/* examhall room dashboard: every seat's state on a map of the room as it is laid out, kept live
   by server-sent events; the proctors' actions on one candidate or the whole room; the chief
   examiner's decisions on misconduct; inspectors watch read-only and write patrol records. A
   sealed sitting is shown as it was sealed, with nothing to do. */
(function () {
  "use strict";

  var root = document.getElementById("dashboard");
  if (!root) return;

  var SITTING = root.getAttribute("data-sitting");
  var MAY_ACT = root.getAttribute("data-can-act") === "true";  // the role may; the sitting must be open too
  var IS_CHIEF = root.getAttribute("data-is-chief") === "true";
  var ZONE = root.getAttribute("data-zone") || "Asia/Shanghai";
  var NAMES = readJson("data-state-names", {});
  var SIGNAL_NAMES = readJson("data-signal-names", {});
  var CATEGORIES = readJson("data-categories", {});
  var PROCTORING = "/api/v1/proctoring/sittings/" + encodeURIComponent(SITTING);
  var DELIVERY = "/api/v1/delivery/sittings/" + encodeURIComponent(SITTING);
  // While anyone answers, the stream sends every second; when nothing changes it sends nothing,
  // so a quiet stream is checked against the state endpoint now and then.
  var QUIET_CHECK_MS = 30000;
  var STATE_ORDER = ["absent", "waiting", "authorized", "in_progress", "paused", "disconnected", "submitted", "ended"];
  var SHORT_NAMES = {
    absent: "未到", waiting: "待授权", authorized: "已授权", in_progress: "答题中", paused: "已暂停",
    disconnected: "已掉线", submitted: "已交卷", ended: "已终止",
  };
  var RUNNING = { in_progress: true, paused: true };
  var SITTING_NAMES = { scheduled: "未开考", open: "进行中", ended: "已结束", sealed: "已封存" };
  var MIN_ROW = 44;  // a seat is a touch target
  var PHONE = 640;

  var room = null;  // the latest room state
  var serverMs = 0;  // its server_time
  var receivedAt = 0;  // performance.now() when it arrived
  var lastFresh = performance.now();  // when the shown state was last confirmed current
  var seatNodes = {};  // seat number -> {button, sig, time, seen}
  var mapKey = "";
  var layoutKey = "";
  var openSeat = null;  // the seat shown in the panel
  var panel = { key: "", details: "", time: null, seen: null, signals: "" };
  var source = null;
  var failures = 0;
  var reconnectTimer = null;
  var checking = false;
  var connection = "connecting";
  var caseRefresh = { busy: false, key: null };

  function $(id) { return document.getElementById(id); }

  function readJson(attribute, fallback) {
    try { return JSON.parse(root.getAttribute(attribute) || ""); } catch (e) { return fallback; }
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) return;
        if (name === "text") node.textContent = value;
        else if (name === "className") node.className = value;
        else node.setAttribute(name, value === true ? "" : String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined && child !== "") {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  /* One JSON request (static/api.js). */
  var call = window.examhallApi.call;

  function post(url, payload) { return call("POST", url, payload); }

  /* ---------- time ---------- */

  function hms(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var r = s % 60;
    var two = function (v) { return (v < 10 ? "0" : "") + v; };
    return (h > 0 ? h + ":" : "") + two(m) + ":" + two(r);
  }

  function spoken(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    if (h) return h + " 小时 " + m + " 分";
    if (m) return m + " 分钟";
    return s + " 秒";
  }

  function ago(seconds) {
    if (seconds < 10) return "刚刚";
    if (seconds < 60) return Math.floor(seconds) + " 秒前";
    if (seconds < 3600) return Math.floor(seconds / 60) + " 分钟前";
    return Math.floor(seconds / 3600) + " 小时前";
  }

  /* A server time as the exam body reads it, in its own time zone: 14:05:09. */
  function localTime(iso, withSeconds) {
    var when = new Date(iso);
    if (!iso || isNaN(when.getTime())) return "";
    var parts = {};
    try {
      new Intl.DateTimeFormat("en-US", { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone: ZONE })
        .formatToParts(when).forEach(function (part) { parts[part.type] = part.value; });
    } catch (e) {
      return "";
    }
    return parts.hour + ":" + parts.minute + (withSeconds ? ":" + parts.second : "");
  }

  function sinceReceived() { return (performance.now() - receivedAt) / 1000; }

  /* Time left, run down locally from the server's figure until the next state arrives. */
  function timeLeft(seat) {
    if (!RUNNING[phase(seat)] || typeof seat.remaining_seconds !== "number") return null;
    if (phase(seat) === "paused") return seat.remaining_seconds;
    return Math.max(0, seat.remaining_seconds - sinceReceived());
  }

  function lastSeenAgo(seat) {
    if (!seat.last_seen) return null;
    var seen = Date.parse(seat.last_seen);
    if (isNaN(seen) || !serverMs) return null;
    return Math.max(0, (serverMs - seen) / 1000 + sinceReceived());
  }

  /* What the seat shows (the server says "disconnected" when a polling page has gone quiet),
     and what the attempt is, which decides what can be done to it. */
  function shown(seat) { return seat.state; }
  function phase(seat) { return seat.phase || seat.state; }

  function stateName(state) { return NAMES[state] || state; }
  function signalName(kind) { return SIGNAL_NAMES[kind] || kind; }

  /* Proctors act only while the sitting is open; a sealed one is only looked at. */
  function acting() { return MAY_ACT && !!room && room.sitting_state === "open"; }
  function closed() { return !!room && (room.sitting_state === "sealed" || room.sitting_state === "ended"); }

  function seatOf(number) {
    if (!room) return null;
    for (var i = 0; i < room.seats.length; i += 1) if (room.seats[i].seat === number) return room.seats[i];
    return null;
  }

  function seatOfAttempt(attempt) {
    if (!room) return null;
    for (var i = 0; i < room.seats.length; i += 1) if (room.seats[i].attempt === attempt) return room.seats[i];
    return null;
  }

  function who(seat) { return "座位 " + seat.seat + " · " + seat.name; }

  function offlineFor(seat) {
    var seen = lastSeenAgo(seat);
    return seen === null ? "" : ago(seen) + "最后在线";
  }

  /* ---------- the seat map: the room's seats in its rows ---------- */

  function seatSignature(seat) {
    return [shown(seat), phase(seat), seat.name, seat.attempt, seat.answered, seat.total, seat.signals, seat.last_signal, seat.open_case].join("|");
  }

  function showsProgress(seat) {
    return seat.attempt && seat.total && (RUNNING[phase(seat)] || phase(seat) === "submitted" || phase(seat) === "ended");
  }

  function seatLabel(seat) {
    var parts = ["座位 " + seat.seat, seat.name, stateName(shown(seat))];
    if (shown(seat) === "disconnected") parts.push("掉线前：" + stateName(phase(seat)), offlineFor(seat));
    if (showsProgress(seat)) parts.push("已答 " + seat.answered + "/" + seat.total + " 题");
    var left = timeLeft(seat);
    if (left !== null) parts.push("剩余 " + spoken(left) + (phase(seat) === "paused" ? "（计时已停）" : ""));
    if (seat.signals) parts.push("异常信号 " + seat.signals + " 次，最近：" + signalName(seat.last_signal));
    if (seat.open_case) parts.push("违纪处理待主考官确认");
    return parts.filter(Boolean).join("，");
  }

  function buildSeat(seat, parts) {
    var button = parts.button;
    button.className = "seat s-" + shown(seat) + (seat.open_case ? " has-case" : "") + (seat.signals ? " has-signals" : "");
    button.textContent = "";
    button.appendChild(el("span", { className: "seat-top" }, [
      el("span", { className: "seat-no", text: String(seat.seat) }),
      el("span", { className: "seat-state" }, [
        el("span", { className: "long", text: stateName(shown(seat)) }),
        el("span", { className: "short", text: SHORT_NAMES[shown(seat)] || stateName(shown(seat)) }),
      ]),
    ]));
    var flags = [];
    if (seat.signals) flags.push(el("span", { className: "seat-signals", title: "异常信号 " + seat.signals + " 次", text: "⚠" + seat.signals }));
    if (seat.open_case) flags.push(el("span", { className: "seat-case", title: "违纪处理待主考官确认", text: "⚑待确认" }));
    button.appendChild(el("span", { className: "seat-mid" }, [
      el("span", { className: "seat-name", text: seat.name }),
      flags.length ? el("span", { className: "seat-flags" }, flags) : null,
    ]));
    if (showsProgress(seat)) {
      var bar = el("span", { className: "bar" });
      bar.style.width = Math.min(100, Math.round((100 * seat.answered) / seat.total)) + "%";
      button.appendChild(el("span", { className: "seat-progress" }, [
        el("span", { className: "track" }, [bar]),
        el("span", { className: "answered", text: seat.answered + "/" + seat.total }),
      ]));
    }
    parts.time = el("span", { className: "seat-time" });
    parts.seen = el("span", { className: "seat-seen" });
    button.appendChild(parts.time);
    button.appendChild(parts.seen);
    parts.sig = seatSignature(seat);
    tickSeat(seat, parts);
  }

  function tickSeat(seat, parts) {
    var left = timeLeft(seat);
    var timeText = left === null ? "" : (phase(seat) === "paused" ? "剩余 " + hms(left) + "（已停）" : "剩余 " + hms(left));
    if (parts.time.textContent !== timeText) parts.time.textContent = timeText;
    parts.time.hidden = !timeText;
    var seenText = shown(seat) === "disconnected" ? offlineFor(seat) : "";
    if (parts.seen.textContent !== seenText) parts.seen.textContent = seenText;
    parts.seen.hidden = !seenText;
    parts.button.setAttribute("aria-label", seatLabel(seat));
  }

  function roomCells() {
    var most = room.room_seats || 0;
    room.seats.forEach(function (seat) { most = Math.max(most, seat.seat); });
    return most;
  }

  function renderSeats(before) {
    var list = $("seats");
    var columns = Math.max(1, room.columns || 6);
    var cells = roomCells();
    var key = columns + ":" + cells + ":" + room.seats.map(function (seat) { return seat.seat; }).join(",");
    if (key !== mapKey) {
      mapKey = key;
      layoutKey = "";
      seatNodes = {};
      list.textContent = "";
      list.style.setProperty("--columns", String(columns));
      var taken = {};
      room.seats.forEach(function (seat) { taken[seat.seat] = true; });
      for (var n = 1; n <= cells; n += 1) {
        if (taken[n]) {
          var button = el("button", { type: "button", "data-seat": n, "aria-haspopup": "dialog" });
          seatNodes[n] = { button: button, sig: "", time: null, seen: null };
          list.appendChild(el("li", {}, [button]));
        } else {
          list.appendChild(el("li", { className: "empty" }, [
            el("span", { className: "seat-no", text: String(n) }),
            el("span", { className: "empty-text", text: "空座" }),
          ]));
        }
      }
    }
    var previous = {};
    if (before) before.seats.forEach(function (seat) { previous[seat.seat] = seat; });
    room.seats.forEach(function (seat) {
      var parts = seatNodes[seat.seat];
      if (parts.sig !== seatSignature(seat)) buildSeat(seat, parts);
      else tickSeat(seat, parts);
      var old = previous[seat.seat];
      if (old) noteChanges(old, seat, parts.button);
    });
    layout();
  }

  /* The whole room on one screen: the rows share the height left below the map's top, and the
     cards say less the smaller they get. On a phone the cards are small squares, and a room
     wider than the phone scrolls sideways inside its map, not the page. */
  function layout() {
    if (!room) return;
    var list = $("seats");
    var columns = Math.max(1, room.columns || 6);
    var rows = Math.ceil(roomCells() / columns) || 1;
    var gap = parseFloat(getComputedStyle(list).rowGap) || 6;
    var phone = window.innerWidth < PHONE;
    var top = list.getBoundingClientRect().top + window.scrollY;
    var fit = Math.floor((window.innerHeight - top - 16 - gap * (rows - 1)) / rows);
    var rowHeight = phone ? 64 : Math.max(MIN_ROW, Math.min(150, fit));
    var width = (list.clientWidth - gap * (columns - 1)) / columns;
    var density = phone || width < 110 ? "mini" : rowHeight >= 104 ? "roomy" : rowHeight >= 72 ? "medium" : "compact";
    var key = rowHeight + "|" + density;
    if (key === layoutKey) return;
    layoutKey = key;
    list.style.setProperty("--row-h", rowHeight + "px");
    list.setAttribute("data-density", density);
  }

  /* Changes worth a glance: the card flashes, and a screen reader hears it. */
  function noteChanges(old, seat, button) {
    var said = [];
    if (shown(old) !== shown(seat)) said.push(stateName(shown(seat)));
    if (seat.signals > old.signals) said.push("异常信号：" + signalName(seat.last_signal));
    if (seat.open_case && seat.open_case !== old.open_case) said.push("违纪处理待主考官确认");
    if (!said.length) return;
    button.classList.remove("changed");
    void button.offsetWidth;  // restart the animation
    button.classList.add("changed");
    announce(who(seat) + "：" + said.join("，"));
  }

  var announcements = [];
  var announceTimer = null;
  function announce(text) {
    announcements.push(text);
    if (announceTimer) return;
    announceTimer = setTimeout(function () {
      $("announcer").textContent = announcements.slice(-5).join("；");
      announcements = [];
      announceTimer = null;
    }, 300);
  }

  var summaryKey = "";
  function renderSummary() {
    var counts = {};
    var open = 0;
    room.seats.forEach(function (seat) {
      counts[shown(seat)] = (counts[shown(seat)] || 0) + 1;
      if (seat.open_case) open += 1;
    });
    var key = JSON.stringify([counts, open, room.seats.length]);
    if (key !== summaryKey) {
      summaryKey = key;
      var list = $("summary");
      list.textContent = "";
      list.appendChild(el("li", { className: "total" }, ["共 ", el("strong", { text: String(room.seats.length) }), " 人"]));
      STATE_ORDER.forEach(function (state) {
        if (!counts[state]) return;
        list.appendChild(el("li", { className: "chip s-" + state }, [
          el("span", { className: "swatch", "aria-hidden": "true" }),
          stateName(state) + " ",
          el("strong", { text: String(counts[state]) }),
        ]));
      });
      if (open) list.appendChild(el("li", { className: "chip has-case" }, ["⚑ 违纪待确认 ", el("strong", { text: String(open) })]));
    }
    var waiting = $("waiting-count");
    if (waiting) {
      var count = seatsIn("waiting").length;
      if (waiting.textContent !== String(count)) waiting.textContent = String(count);
      $("authorize-all").disabled = !count;
    }
  }

  /* Arrow keys move through the room as it is laid out, over empty seats. */
  function moveFocus(event) {
    var button = event.target.closest ? event.target.closest("button.seat") : null;
    if (!button || !room) return;
    var number = Number(button.getAttribute("data-seat"));
    var columns = Math.max(1, room.columns || 6);
    var cells = roomCells();
    var step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns }[event.key];
    var target = null;
    if (event.key === "Home") target = firstSeat(1, 1);
    else if (event.key === "End") target = firstSeat(cells, -1);
    else if (step) target = firstSeat(number + step, step);
    else return;
    event.preventDefault();
    if (target !== null) seatNodes[target].button.focus();

    function firstSeat(from, by) {
      for (var n = from; n >= 1 && n <= cells; n += by) if (seatNodes[n]) return n;
      return null;
    }
  }

  /* ---------- applying a state ---------- */

  function apply(state) {
    if (!state || !Array.isArray(state.seats)) return;
    var at = Date.parse(state.server_time);
    if (room && !isNaN(at) && at < serverMs) return;  // an older answer arriving late
    var before = room;
    room = state;
    serverMs = isNaN(at) ? serverMs : at;
    receivedAt = performance.now();
    lastFresh = receivedAt;
    showSitting();
    renderSummary();
    renderSeats(before);
    if (openSeat !== null) renderPanel(false);
    syncCases();
    showConnection();
  }

  /* The sitting's own state: once sealed, the page stops listening and offers nothing to do. */
  function showSitting() {
    var label = $("sitting-state");
    var name = SITTING_NAMES[room.sitting_state] || room.sitting_state;
    if (label.textContent !== name) {
      label.textContent = name;
      label.className = "sitting-state s-" + room.sitting_state;
    }
    var over = closed();
    root.classList.toggle("sealed", over);
    $("sealed-notice").hidden = !over;
    $("connection").hidden = over;
    var actions = $("room-actions");
    if (actions) actions.hidden = !acting();
    var patrol = document.querySelector(".inspection");
    if (patrol) patrol.hidden = over;
    Array.prototype.forEach.call(document.querySelectorAll("[data-review-case]"), function (button) { button.hidden = over; });
    if (over) stopListening();
  }

  function stopListening() {
    if (source) source.close();
    source = null;
    if (reconnectTimer) clearTimeout(reconnectTimer);
    reconnectTimer = null;
    connection = "closed";
  }

  function refreshState() {
    return call("GET", PROCTORING + "/state").then(function (response) {
      if (response.ok) apply(response.data);
      return response;
    });
  }

  function tick() {
    if (!room) return;
    room.seats.forEach(function (seat) {
      var parts = seatNodes[seat.seat];
      if (parts && parts.time) tickSeat(seat, parts);
    });
    if (openSeat !== null) tickPanel();
    showConnection();
  }

  /* ---------- the live connection ---------- */

  function setConnection(kind) {
    if (closed()) return;
    connection = kind;
    showConnection();
  }

  function showConnection() {
    if (closed()) return;
    var box = $("connection");
    var text;
    var stale = Math.round((performance.now() - lastFresh) / 1000);
    var age = room && stale >= 10 ? "（显示的是 " + ago(stale) + "的状态）" : "";
    if (connection === "live") text = "实时更新中";
    else if (connection === "connecting") text = "正在连接…";
    else if (connection === "offline") text = "网络已断开，恢复后自动重连";
    else if (connection === "retrying") text = "连接中断，正在重连…";
    else if (connection === "expired") text = "登录已失效，请重新登录";
    else text = "无法查看本考场（场次不存在或无权查看）";
    var className = "connection " + connection;
    if (box.className !== className) box.className = className;
    var label = $("connection-text");
    if (label.textContent !== text) label.textContent = text;
    // Outside the live region: a count of seconds is not worth announcing every second.
    var ageText = connection === "offline" || connection === "retrying" ? age : "";
    if ($("connection-age").textContent !== ageText) $("connection-age").textContent = ageText;
    var link = $("connection-login");
    if (connection === "expired" && !link) {
      box.appendChild(el("a", { id: "connection-login", href: "/login?next=" + encodeURIComponent(location.pathname), text: "重新登录" }));
    } else if (connection !== "expired" && link) {
      link.remove();
    }
    root.classList.toggle("stale", connection !== "live" && connection !== "connecting");
  }

  function connect() {
    if (closed()) return;
    if (reconnectTimer) { clearTimeout(reconnectTimer); reconnectTimer = null; }
    if (source) source.close();
    if (typeof EventSource !== "function") { pollInstead(); return; }
    var stream = new EventSource(PROCTORING + "/events");
    source = stream;
    stream.addEventListener("open", function () {
      if (source !== stream) return;
      failures = 0;
      setConnection("live");
    });
    stream.addEventListener("state", function (event) {
      if (source !== stream) return;
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      failures = 0;
      connection = "live";
      apply(data);
    });
    stream.addEventListener("error", function () {
      if (source !== stream) return;
      if (stream.readyState === 2) {
        // Refused outright (logged out, no access, server error): EventSource gives up, so ask why.
        source = null;
        diagnose();
      } else {
        setConnection(navigator.onLine === false ? "offline" : "retrying");
      }
    });
  }

  function diagnose() {
    call("GET", PROCTORING + "/state").then(function (response) {
      if (response.status === 401) { setConnection("expired"); return; }
      if (response.status === 403 || response.status === 404) { setConnection("refused"); return; }
      if (response.ok) apply(response.data);
      reconnectLater();
    }, reconnectLater);
  }

  function reconnectLater() {
    if (closed()) return;
    failures += 1;
    setConnection(navigator.onLine === false ? "offline" : "retrying");
    if (reconnectTimer) clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, Math.min(failures, 5))));
  }

  /* A stream that has gone quiet for long is checked; if the check fails, it is reopened. */
  function watchQuiet() {
    if (checking || connection !== "live" || performance.now() - lastFresh < QUIET_CHECK_MS) return;
    checking = true;
    refreshState().then(function (response) {
      checking = false;
      if (response.status === 401) { if (source) source.close(); source = null; setConnection("expired"); }
    }, function () {
      checking = false;
      if (source) source.close();
      source = null;
      reconnectLater();
    });
  }

  function pollInstead() {
    if (closed()) return;
    refreshState().then(function (response) {
      if (response.status === 401) { setConnection("expired"); return; }
      setConnection(response.ok ? "live" : "retrying");
      setTimeout(pollInstead, 3000);
    }, function () {
      setConnection("retrying");
      setTimeout(pollInstead, 5000);
    });
  }

  /* ---------- messages ---------- */

  function say(box, kind, text, extra) {
    box.textContent = "";
    box.className = "result" + (kind ? " " + kind : "");
    if (!text) return;
    box.appendChild(el("span", { text: text }));
    (extra || []).forEach(function (node) { box.appendChild(node); });
  }

  /* The server's own words for a refusal (its Chinese message and each problem). */
  function refusal(box, response) {
    var data = response.data || {};
    if (response.status === 401) {
      say(box, "bad", "登录已失效，操作未完成。", [
        el("a", { href: "/login?next=" + encodeURIComponent(location.pathname), text: "重新登录" }),
      ]);
      return;
    }
    var text = data.message || "操作未完成（错误 " + response.status + "），请稍后重试。";
    var problems = (data.problems || []).map(function (problem) {
      return el("li", { text: (problem.where ? problem.where + "：" : "") + (problem.message || "") });
    });
    say(box, "bad", text, problems.length ? [el("ul", { className: "problems" }, problems)] : []);
  }

  function networkFailure(box) {
    say(box, "bad", "网络连接失败，操作未完成。请检查网络后重试。");
  }

  /* ---------- asking before what cannot be undone ---------- */

  var confirmDialog = $("confirm-dialog");

  /* The same question forms.js asks of a page's forms: what will happen, 确认 or 取消.
     Resolves true only for 确认. */
  function confirmAction(spec) {
    return new Promise(function (resolve) {
      var ok = $("confirm-ok");
      var cancel = $("confirm-cancel");
      $("confirm-title").textContent = spec.title;
      var text = $("confirm-text");
      text.textContent = "";
      [].concat(spec.text).forEach(function (line) { text.appendChild(el("p", { text: line })); });
      ok.textContent = spec.button || "确认";
      ok.className = "confirm-ok" + (spec.danger ? " danger" : "");
      var returnTo = document.activeElement;

      function finish(answer) {
        ok.removeEventListener("click", onOk);
        cancel.removeEventListener("click", onCancel);
        confirmDialog.removeEventListener("cancel", onCancel);
        if (confirmDialog.open) confirmDialog.close();
        if (!answer && returnTo && typeof returnTo.focus === "function") returnTo.focus();
        resolve(answer);
      }
      function onOk() { finish(true); }
      function onCancel(event) { if (event) event.preventDefault(); finish(false); }

      ok.addEventListener("click", onOk);
      cancel.addEventListener("click", onCancel);
      confirmDialog.addEventListener("cancel", onCancel);
      confirmDialog.showModal();
      cancel.focus();
    });
  }

  /* ---------- forms for actions ---------- */

  /* A form of fields and one or more buttons, each sending the values its own way; a button
     with `confirm` asks first. */
  function buildForm(spec, holder, context) {
    holder.textContent = "";
    var form = el("form", { className: "action-form" + (spec.danger ? " danger-form" : ""), novalidate: true });
    if (!context.titled) form.appendChild(el("h3", { text: spec.title }));
    (spec.intro ? [].concat(spec.intro) : []).forEach(function (line) {
      form.appendChild(el("p", { className: "intro", text: line }));
    });
    var inputs = {};
    (spec.fields || []).forEach(function (field, index) {
      var id = "field-" + field.name + "-" + index;
      var input;
      if (field.kind === "textarea") {
        input = el("textarea", { id: id, name: field.name, rows: 3, maxlength: field.maxLength || 2000, placeholder: field.placeholder || null });
      } else if (field.kind === "select") {
        input = el("select", { id: id, name: field.name });
        Object.keys(field.options).forEach(function (value) {
          input.appendChild(el("option", { value: value, text: field.options[value], selected: value === field.value }));
        });
      } else {
        input = el("input", { id: id, name: field.name, type: field.kind || "text", inputmode: field.kind === "number" ? "numeric" : null, min: field.min, max: field.max, value: field.value });
      }
      if (field.required) input.setAttribute("aria-required", "true");
      var hint = el("span", { className: "field-problem", id: id + "-problem", role: "alert" });
      input.setAttribute("aria-describedby", id + "-problem");
      form.appendChild(el("div", { className: "field" }, [
        el("label", { for: id, text: field.label + (field.required ? "" : "（可不填）") }),
        input,
        field.hint ? el("span", { className: "hint", text: field.hint }) : null,
        hint,
      ]));
      inputs[field.name] = { input: input, field: field, problem: hint };
    });
    var row = el("p", { className: "form-actions" });
    var buttons = (spec.buttons || [{ label: spec.submit || "确定", className: spec.danger ? "danger" : "", send: spec.send, success: spec.success, confirm: spec.confirm }]);
    var nodes = buttons.map(function (choice) {
      var button = el("button", { type: "button", className: choice.className || null, text: choice.label });
      button.addEventListener("click", function () { submit(choice, button); });
      row.appendChild(button);
      return button;
    });
    var cancel = el("button", { type: "button", className: "secondary", text: "取消" });
    cancel.addEventListener("click", function () { context.cancel(); });
    row.appendChild(cancel);
    form.appendChild(row);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submit(buttons[0], nodes[0]);
    });
    holder.appendChild(form);
    var first = form.querySelector("textarea, input, select") || nodes[0];
    first.focus();
    row.scrollIntoView({ block: "nearest" });
    var busy = false;

    function values() {
      var out = {};
      var wrong = null;
      Object.keys(inputs).forEach(function (name) {
        var entry = inputs[name];
        var value = entry.input.value;
        var problem = "";
        if (entry.field.kind === "number") {
          var number = Number(value);
          if (value === "" || !isFinite(number) || Math.floor(number) !== number || number < entry.field.min || number > entry.field.max) {
            problem = "请填写 " + entry.field.min + "–" + entry.field.max + " 之间的整数";
          }
          value = number;
        } else {
          value = value.trim();
          if (entry.field.required && !value) problem = "请填写" + entry.field.label;
          else if (entry.field.minLength && value.length < entry.field.minLength) problem = entry.field.label + "至少 " + entry.field.minLength + " 个字";
        }
        entry.problem.textContent = problem;
        if (problem) entry.input.setAttribute("aria-invalid", "true");
        else entry.input.removeAttribute("aria-invalid");
        if (problem && !wrong) wrong = entry.input;
        out[name] = value;
      });
      if (wrong) { wrong.focus(); return null; }
      return out;
    }

    function submit(choice, button) {
      if (busy) return;
      var given = values();
      if (!given) return;
      busy = true;
      var asked = choice.confirm ? confirmAction(choice.confirm(given)) : Promise.resolve(true);
      asked.then(function (go) {
        if (!go) { busy = false; return; }
        send(choice, button, given);
      });
    }

    function send(choice, button, given) {
      var label = button.textContent;
      nodes.concat([cancel]).forEach(function (node) { node.disabled = true; });
      button.textContent = "正在提交…";
      say(context.message, "", "");
      function again() {
        busy = false;
        nodes.concat([cancel]).forEach(function (node) { node.disabled = false; });
        button.textContent = label;
      }
      choice.send(given).then(function (response) {
        if (response.ok) {
          context.done(choice.success ? choice.success(response.data || {}, given) : "已完成。");
          return;
        }
        again();
        refusal(context.message, response);
      }, function () {
        again();
        networkFailure(context.message);
      });
    }
  }

  /* ---------- the seat panel ---------- */

  var seatDialog = $("seat-dialog");

  function reasonField(label, required, placeholder) {
    return { name: "reason", label: label, kind: "textarea", required: required, maxLength: 500, placeholder: placeholder };
  }

  function seatActions(seat) {
    var state = phase(seat);
    var running = !!RUNNING[state];
    var list = [];
    if (state === "waiting") list.push({ label: "核验无误，授权开考", run: authorizeOne });
    if (state === "absent" || state === "waiting" || state === "authorized") {
      list.push({ label: "生成一次性登录码", className: "secondary", run: issueCode });
    }
    if (state === "in_progress") list.push({ label: "暂停答题", className: "secondary", run: pauseOne });
    if (state === "paused") list.push({ label: "恢复答题", run: resumeOne });
    if (running) {
      list.push({ label: "延长时间", className: "secondary", run: timeOne });
      list.push({ label: "口头警告", className: "secondary", run: warnOne });
      list.push({ label: "批准换座/换机", className: "secondary", run: moveOne });
    }
    if (seat.attempt) list.push({ label: "报告异常", className: "secondary", run: reportOne });
    if ((running || state === "submitted") && !seat.open_case) {
      list.push({ label: "提出违纪处理", className: "danger", run: proposeOne });
    }
    return list;
  }

  function openPanel(number, mode) {
    var seat = seatOf(number);
    if (!seat) return;
    openSeat = number;
    panel.key = "";
    panel.details = "";
    panel.signals = "";
    $("seat-code").hidden = true;
    $("seat-form").textContent = "";
    $("seat-actions").hidden = false;
    $("seat-signals").hidden = true;
    say($("seat-message"), "", "");
    renderPanel(true);
    if (typeof seatDialog.showModal === "function") {
      if (!seatDialog.open) seatDialog.showModal();
    } else {
      seatDialog.setAttribute("open", "");
    }
    if (mode === "review" && seat.open_case && IS_CHIEF && acting()) reviewCase(seat);
    else {
      var first = $("seat-actions").querySelector("button") || seatDialog.querySelector("[data-close]");
      first.focus();
    }
  }

  function closePanel() {
    if (typeof seatDialog.close === "function" && seatDialog.open) seatDialog.close();
    else { seatDialog.removeAttribute("open"); onPanelClosed(); }
  }

  function onPanelClosed() {
    var number = openSeat;
    openSeat = null;
    $("seat-form").textContent = "";
    var parts = number !== null ? seatNodes[number] : null;
    if (parts) parts.button.focus();
  }

  function renderPanel(force) {
    var seat = seatOf(openSeat);
    if (!seat) { closePanel(); return; }
    var key = [shown(seat), phase(seat), seat.attempt, seat.open_case, acting()].join("|");
    var detailsKey = [seatSignature(seat), !!seat.last_seen, formOpen(), caseInfo(seat.open_case) ? 1 : 0, acting()].join("|");
    if (force || detailsKey !== panel.details) {
      panel.details = detailsKey;
      renderPanelDetails(seat);
      renderPanelCase(seat);
    }
    tickPanel();
    if (force || key !== panel.key) {
      panel.key = key;
      renderPanelActions(seat);
    }
    loadSignals(seat);
  }

  function formOpen() { return $("seat-form").childNodes.length > 0; }

  function renderPanelDetails(seat) {
    $("seat-title").textContent = who(seat);
    var details = $("seat-details");
    details.textContent = "";
    function row(term, value) {
      details.appendChild(el("div", {}, [el("dt", { text: term }), el("dd", {}, [].concat(value))]));
    }
    row("准考证号", el("span", { className: "mono", text: seat.ticket || "—" }));
    row("状态", [
      el("span", { className: "chip s-" + shown(seat) }, [el("span", { className: "swatch", "aria-hidden": "true" }), stateName(shown(seat))]),
      shown(seat) === "disconnected" ? "（掉线前：" + stateName(phase(seat)) + "）" : "",
    ]);
    if (showsProgress(seat)) row("答题进度", "已答 " + seat.answered + " / " + seat.total + " 题");
    panel.time = el("span");
    panel.seen = el("span");
    if (RUNNING[phase(seat)]) row("剩余时间", panel.time);
    if (seat.last_seen && phase(seat) !== "submitted" && phase(seat) !== "ended") row("最近在线", panel.seen);
    row("异常信号", seat.signals ? seat.signals + " 次（见下方列表）" : "无");
  }

  function tickPanel() {
    var seat = seatOf(openSeat);
    if (!seat) return;
    var left = timeLeft(seat);
    if (panel.time) panel.time.textContent = left === null ? "—" : hms(left) + (phase(seat) === "paused" ? "（已暂停，计时停止）" : "");
    var seen = lastSeenAgo(seat);
    var limit = Math.round((room.disconnected_after || 60) / 60);
    if (panel.seen) panel.seen.textContent = seen === null ? "—" : ago(seen) + (shown(seat) === "disconnected" ? "（超过 " + limit + " 分钟未联系，已掉线）" : "");
  }

  /* The seat's integrity signals, newest first, each with its local time: fetched when the
     panel opens and again when the count changes. */
  function loadSignals(seat) {
    var box = $("seat-signals");
    var key = seat.attempt + "|" + seat.signals;
    if (!seat.attempt || !seat.signals) {
      panel.signals = key;
      box.hidden = true;
      box.textContent = "";
      return;
    }
    if (panel.signals === key) return;
    panel.signals = key;
    call("GET", PROCTORING + "/attempts/" + encodeURIComponent(seat.attempt) + "/signals").then(function (response) {
      if (panel.signals !== key || openSeat !== seat.seat) return;
      box.textContent = "";
      box.hidden = false;
      box.appendChild(el("h3", { text: "异常信号（共 " + seat.signals + " 次，最新的在前）" }));
      if (!response.ok) {
        box.appendChild(el("p", { className: "muted", text: "异常信号列表暂时无法读取，请稍后再打开。" }));
        panel.signals = "";
        return;
      }
      var list = el("ol", { className: "signal-list" });
      (response.data || []).forEach(function (signal) {
        list.appendChild(el("li", {}, [
          el("time", { datetime: signal.at, text: localTime(signal.at, true) }),
          el("span", { text: signal.name || signalName(signal.kind) }),
        ]));
      });
      box.appendChild(list);
    }, function () {
      if (panel.signals === key) panel.signals = "";
    });
  }

  function caseInfo(id) {
    if (!id) return null;
    var node = document.querySelector('#cases [data-case="' + id + '"]');
    if (!node) return null;
    var facts = node.querySelector(".facts");
    return {
      facts: facts ? facts.textContent : "",
      by: node.getAttribute("data-proposed-by") || "",
      at: node.getAttribute("data-proposed-at") || "",
    };
  }

  function renderPanelCase(seat) {
    var box = $("seat-case");
    box.textContent = "";
    if (seat.open_case) {
      var info = caseInfo(seat.open_case);
      var lines = [el("h3", { text: "⚑ 违纪处理：待主考官确认" })];
      if (info) {
        lines.push(el("p", {}, ["违纪事实：", el("strong", { className: "facts", text: info.facts })]));
        lines.push(el("p", { className: "muted", text: "提出：" + info.by + "，" + info.at }));
      } else {
        lines.push(el("p", { className: "muted", text: "正在载入违纪事实…" }));
      }
      lines.push(el("p", { text: "主考官确认前，该考生的考试照常进行，可以继续作答。" }));
      if (IS_CHIEF && acting() && !formOpen()) {
        var review = el("button", { type: "button", className: "danger", text: "审核此违纪处理" });
        review.addEventListener("click", function () { reviewCase(seat); });
        lines.push(el("p", {}, [review]));
      }
      box.appendChild(el("div", { className: "case-open" }, lines));
    } else if (phase(seat) === "ended") {
      box.appendChild(el("p", { className: "case-ended", text: "经主考官确认，该考生的考试已因违纪终止，本场成绩无效。" }));
    }
  }

  function renderPanelActions(seat) {
    var holder = $("seat-actions");
    var hadFocus = holder.contains(document.activeElement);
    holder.textContent = "";
    if (!MAY_ACT) {
      holder.appendChild(el("p", { className: "muted", text: "只读：巡考员不能对考生操作。" }));
      return;
    }
    if (!acting()) {
      holder.appendChild(el("p", { className: "muted", text: closed() ? "本场考试已封存，只能查看，不能再操作。" : "场次尚未开考，暂不能操作。" }));
      $("seat-form").textContent = "";
      return;
    }
    var actions = seatActions(seat);
    if (!actions.length) holder.appendChild(el("p", { className: "muted", text: "当前状态下没有可进行的操作。" }));
    actions.forEach(function (action) {
      var button = el("button", { type: "button", className: action.className || null, text: action.label });
      button.addEventListener("click", function () {
        var current = seatOf(openSeat);
        if (current) action.run(current, button);
      });
      holder.appendChild(button);
    });
    if (hadFocus) (holder.querySelector("button") || seatDialog.querySelector("[data-close]")).focus();
  }

  function seatForm(spec) {
    $("seat-code").hidden = true;
    $("seat-actions").hidden = true;
    say($("seat-message"), "", "");
    buildForm(spec, $("seat-form"), {
      message: $("seat-message"),
      cancel: backToActions,
      done: function (text) {
        backToActions();
        say($("seat-message"), "ok", text);
        refreshState().catch(function () { /* the stream brings it */ });
      },
    });
    renderPanel(false);  // the case box drops its review button while a form is open
  }

  function backToActions() {
    $("seat-form").textContent = "";
    var actions = $("seat-actions");
    actions.hidden = false;
    if (seatOf(openSeat)) renderPanel(true);
    (actions.querySelector("button") || seatDialog.querySelector("[data-close]")).focus();
  }

  /* A one-click action: the button shows it is working (and cannot be pressed again); the panel
     says how it went. */
  function direct(button, send, success) {
    if (button.disabled) return null;
    var label = button.textContent;
    var box = $("seat-message");
    button.disabled = true;
    button.textContent = "正在提交…";
    say(box, "", "");
    return send().then(function (response) {
      button.disabled = false;
      button.textContent = label;
      if (!response.ok) { refusal(box, response); return null; }
      say(box, "ok", success(response.data || {}));
      refreshState().catch(function () { /* the stream brings it */ });
      return response;
    }, function () {
      button.disabled = false;
      button.textContent = label;
      networkFailure(box);
      return null;
    });
  }

  function authorizeOne(seat, button) {
    direct(button, function () {
      return post(DELIVERY + "/authorize", { attempt_ids: [seat.attempt] });
    }, function () { return "已授权。" + seat.name + " 可以点击“开始答题”。"; });
  }

  function issueCode(seat, button) {
    $("seat-code").hidden = true;
    direct(button, function () {
      // The room state names attempts, not registrations: the roster has the registration.
      return call("GET", DELIVERY + "/attempts").then(function (response) {
        if (!response.ok) return response;
        var row = (response.data || []).filter(function (r) { return r.seat === seat.seat && r.ticket === seat.ticket; })[0];
        if (!row) return { status: 404, ok: false, data: { message: "名单中找不到该考生，请刷新页面后重试。" } };
        return post(DELIVERY + "/codes", { registration_id: row.registration });
      });
    }, function (data) {
      $("seat-code-value").textContent = data.code || "";
      $("seat-code").hidden = false;
      return "登录码已生成。";
    });
  }

  function pauseOne(seat) {
    seatForm({
      title: "暂停 " + who(seat),
      intro: "暂停后考生不能作答，计时停止，直到恢复。暂停原因会显示在考生屏幕上。",
      fields: [reasonField("暂停原因", false, "例如：设备检查、考生身体不适")],
      submit: "确认暂停",
      send: function (v) { return post(PROCTORING + "/pause", { attempt_id: seat.attempt, reason: v.reason }); },
      success: function () { return "已暂停，考生页面将显示暂停。"; },
    });
  }

  function resumeOne(seat, button) {
    direct(button, function () {
      return post(PROCTORING + "/resume", { attempt_id: seat.attempt });
    }, function () { return "已恢复，计时继续（暂停的时间不计入考试时间）。"; });
  }

  function timeOne(seat) {
    seatForm({
      title: "为 " + who(seat) + " 延长时间",
      intro: "延长的时间和原因会记入考场记录，并显示在考生屏幕上。",
      fields: [
        { name: "minutes", label: "延长分钟数（1–120）", kind: "number", min: 1, max: 120, value: 5, required: true },
        reasonField("原因", true, "例如：设备故障耽误 5 分钟"),
      ],
      submit: "确认延长",
      send: function (v) { return post(PROCTORING + "/time", { attempt_id: seat.attempt, minutes: v.minutes, reason: v.reason }); },
      success: function (data, v) { return "已为该考生延长 " + v.minutes + " 分钟。"; },
    });
  }

  function warnOne(seat) {
    seatForm({
      title: "口头警告 " + who(seat),
      intro: "警告记入考场记录，警告内容同时显示在考生屏幕上。",
      fields: [{ name: "note", label: "警告事由", kind: "textarea", required: true, maxLength: 500, placeholder: "例如：交头接耳，已当面警告" }],
      submit: "记录警告",
      send: function (v) { return post(PROCTORING + "/warnings", { attempt_id: seat.attempt, note: v.note }); },
      success: function () { return "警告已记录，并已显示在考生屏幕上。"; },
    });
  }

  function reportFields() {
    return [
      { name: "category", label: "类别", kind: "select", options: CATEGORIES, value: "candidate", required: true },
      { name: "note", label: "情况说明", kind: "textarea", required: true, maxLength: 2000 },
    ];
  }

  function reportOne(seat) {
    seatForm({
      title: "报告异常：" + who(seat),
      fields: reportFields(),
      submit: "提交报告",
      send: function (v) { return post(PROCTORING + "/irregularities", { attempt_id: seat.attempt, category: v.category, note: v.note }); },
      success: function () { return "异常情况已记入考场记录。"; },
    });
  }

  function moveOne(seat) {
    seatForm({
      title: "批准 " + who(seat) + " 更换座位或电脑",
      intro: [
        "批准后，考生到新的座位或电脑上用准考证号和身份证号重新登录，即可接着作答，已作答的内容不会丢失。",
        "考生在新电脑登录后，原电脑上的考试页面随即失效。",
      ],
      submit: "确认批准",
      send: function () { return post(PROCTORING + "/moves", { attempt_id: seat.attempt }); },
      success: function () { return "已批准更换。请引导考生到新的位置重新登录。"; },
    });
  }

  function proposeOne(seat) {
    seatForm({
      title: "提出违纪处理：" + who(seat),
      intro: [
        "提交后需由本场主考官确认，确认后该考生的考试才会终止、本场成绩无效。",
        "主考官确认前，该考生的考试照常进行，可以继续作答。",
      ],
      danger: true,
      fields: [{
        name: "facts", label: "违纪事实", kind: "textarea", required: true, minLength: 4, maxLength: 2000,
        placeholder: "写明时间、行为和证据，例如：10:25 发现考生使用手机查阅资料，手机已暂扣",
      }],
      submit: "提交主考官确认",
      send: function (v) { return post(PROCTORING + "/misconduct", { attempt_id: seat.attempt, facts: v.facts }); },
      success: function () { return "已提出违纪处理，等待主考官确认。确认前该考生的考试照常进行。"; },
    });
  }

  function reviewCase(seat) {
    var id = seat.open_case;
    var decide = function (confirm) {
      return function (v) { return post(PROCTORING + "/misconduct/" + encodeURIComponent(id), { confirm: confirm, note: v.note }); };
    };
    seatForm({
      title: "审核违纪处理：" + who(seat),
      intro: "违纪事实见上方。确认后，该考生的考试立即终止，本场成绩无效，不可撤销；不予确认则考试照常进行。",
      danger: true,
      fields: [{ name: "note", label: "审核意见", kind: "textarea", required: false, maxLength: 2000 }],
      buttons: [
        {
          label: "确认违纪，终止考试",
          className: "danger",
          send: decide(true),
          confirm: function () {
            return {
              title: "终止 " + who(seat) + " 的考试？",
              text: ["确认后，该考生的考试立即终止，不能再作答，本场成绩无效。", "此决定记入留痕，不可撤销。"],
              button: "确认终止",
              danger: true,
            };
          },
          success: function () { return "已确认：该考生的考试已终止，本场成绩无效。"; },
        },
        {
          label: "不予确认",
          className: "secondary",
          send: decide(false),
          confirm: function () {
            return {
              title: "不予确认 " + who(seat) + " 的违纪处理？",
              text: ["不予确认后，这项违纪处理即告结束，该考生的考试照常进行。", "此决定记入留痕，不可撤销；如有新的事实，监考员可重新提出。"],
              button: "不予确认",
            };
          },
          success: function () { return "已不予确认，该考生的考试照常进行。"; },
        },
      ],
    });
  }

  /* ---------- actions on the whole room ---------- */

  var roomDialog = $("room-dialog");

  function seatsIn() {
    var phases = Array.prototype.slice.call(arguments);
    return room ? room.seats.filter(function (seat) { return phases.indexOf(phase(seat)) !== -1; }) : [];
  }

  function names(seats) {
    return seats.map(function (seat) { return seat.seat + " 号 " + seat.name; }).join("、");
  }

  /* 授权全部: exactly the candidates listed in the question, whom the proctor has checked, not
     whoever else logs in while it is asked. */
  function authorizeAll(button) {
    var waiting = seatsIn("waiting");
    if (!waiting.length || button.disabled) return;
    confirmAction({
      title: "授权 " + waiting.length + " 名考生开考？",
      text: [
        "将授权以下 " + waiting.length + " 名已登录、等待授权的考生开考：" + names(waiting) + "。",
        "请确认已逐一核验身份（本人与准考证、身份证相符）。授权记入留痕，不可撤销。",
      ],
      button: "授权 " + waiting.length + " 人",
    }).then(function (go) {
      if (!go) return;
      var label = button.innerHTML;
      var box = $("room-result");
      button.disabled = true;
      button.textContent = "正在授权…";
      say(box, "", "");
      post(DELIVERY + "/authorize", { attempt_ids: waiting.map(function (seat) { return seat.attempt; }) }).then(function (response) {
        button.innerHTML = label;
        renderSummary();
        if (!response.ok) refusal(box, response);
        else {
          var n = ((response.data || {}).authorized || []).length;
          say(box, "ok", n ? "已授权 " + n + " 名考生开考。" : "没有等待授权的考生。");
          refreshState().catch(function () { /* the stream brings it */ });
        }
        fadeLater(box);
      }, function () {
        button.innerHTML = label;
        renderSummary();
        networkFailure(box);
        fadeLater(box);
      });
    });
  }

  /* The outcome floats over the page for a while, so that the map below never moves. */
  var fadeTimer = null;
  function fadeLater(box) {
    if (fadeTimer) clearTimeout(fadeTimer);
    fadeTimer = setTimeout(function () { say(box, "", ""); }, 10000);
  }

  var ROOM_ACTIONS = {
    pause_all: function () {
      var answering = seatsIn("in_progress");
      return {
        title: "全场暂停",
        intro: [
          "将暂停本考场正在答题的 " + answering.length + " 名考生，计时停止，直到恢复。",
          "暂停原因会显示在考生屏幕上。",
        ],
        fields: [reasonField("暂停原因", true, "例如：考场停电、网络故障")],
        submit: "暂停 " + answering.length + " 名考生",
        danger: true,
        send: function (v) { return post(PROCTORING + "/pause", { reason: v.reason }); },
        success: function (data) { return data.paused ? "已暂停 " + data.paused + " 名考生。" : "没有需要暂停的考生。"; },
      };
    },
    resume_all: function () {
      var paused = seatsIn("paused");
      return {
        title: "全场恢复",
        intro: "将恢复本考场已暂停的 " + paused.length + " 名考生，计时继续；暂停的时间不计入考试时间。",
        submit: "恢复 " + paused.length + " 名考生",
        send: function () { return post(PROCTORING + "/resume", {}); },
        success: function (data) { return data.resumed ? "已恢复 " + data.resumed + " 名考生。" : "没有已暂停的考生。"; },
      };
    },
    time_all: function () {
      var running = seatsIn("in_progress", "paused");
      return {
        title: "全场延长时间",
        intro: "将为本考场正在考试的 " + running.length + " 名考生延长时间，并记入考场记录。",
        fields: [
          { name: "minutes", label: "延长分钟数（1–120）", kind: "number", min: 1, max: 120, value: 5, required: true },
          reasonField("原因", true, "例如：考场停电 10 分钟"),
        ],
        submit: "为 " + running.length + " 名考生延长",
        send: function (v) { return post(PROCTORING + "/time", { minutes: v.minutes, reason: v.reason }); },
        success: function (data, v) { return data.extended ? "已为 " + data.extended + " 名考生延长 " + v.minutes + " 分钟。" : "没有正在答题的考生。"; },
      };
    },
    report_room: function () {
      return {
        title: "报告考场异常",
        intro: "与具体考生无关的情况（环境、工作人员、技术问题等），记入考场记录。",
        fields: [
          { name: "category", label: "类别", kind: "select", options: CATEGORIES, value: "environment", required: true },
          { name: "note", label: "情况说明", kind: "textarea", required: true, maxLength: 2000 },
        ],
        submit: "提交报告",
        send: function (v) { return post(PROCTORING + "/irregularities", { category: v.category, note: v.note }); },
        success: function () { return "异常情况已记入考场记录。"; },
      };
    },
  };

  function openRoomAction(name) {
    var make = ROOM_ACTIONS[name];
    if (!make) return;
    var spec = make();
    $("room-title").textContent = spec.title;
    var message = $("room-message");
    say(message, "", "");
    if (typeof roomDialog.showModal === "function") roomDialog.showModal();
    else roomDialog.setAttribute("open", "");
    buildForm(spec, $("room-form"), {
      titled: true,
      message: message,
      cancel: closeRoomDialog,
      done: function (text) {
        var holder = $("room-form");
        holder.textContent = "";
        say(message, "ok", text);
        var close = el("button", { type: "button", text: "关闭" });
        close.addEventListener("click", closeRoomDialog);
        holder.appendChild(el("p", { className: "form-actions" }, [close]));
        close.focus();
        refreshState().catch(function () { /* the stream brings it */ });
      },
    });
  }

  function closeRoomDialog() {
    if (typeof roomDialog.close === "function" && roomDialog.open) roomDialog.close();
    else roomDialog.removeAttribute("open");
    $("room-form").textContent = "";
  }

  /* ---------- misconduct cases ---------- */

  function openCaseKey() {
    if (!room) return "";
    return room.seats.filter(function (seat) { return seat.open_case; })
      .map(function (seat) { return seat.open_case; }).sort().join(",");
  }

  function shownCaseKey() {
    return Array.prototype.slice.call(document.querySelectorAll('#cases [data-case-state="proposed"]'))
      .map(function (node) { return Number(node.getAttribute("data-case")); }).sort().join(",");
  }

  /* The room state names open cases only; their facts, and the decided ones, come with the page. */
  function syncCases() {
    var want = openCaseKey();
    if (want === shownCaseKey() || caseRefresh.busy || caseRefresh.key === want) return;
    caseRefresh.busy = true;
    caseRefresh.key = want;
    fetch(location.pathname, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        caseRefresh.busy = false;
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("cases");
        if (!fresh) return;
        var target = $("cases");
        var hadFocus = target.contains(document.activeElement);
        target.textContent = "";
        Array.prototype.slice.call(fresh.childNodes).forEach(function (node) {
          target.appendChild(document.importNode(node, true));
        });
        if (hadFocus) {
          $("cases-title").setAttribute("tabindex", "-1");
          $("cases-title").focus();
        }
        if (openSeat !== null) renderPanel(false);
      }, function () {
        caseRefresh.busy = false;
        caseRefresh.key = null;  // try again with the next state
      });
  }

  /* ---------- the inspectors' patrol record ---------- */

  function wireInspection() {
    var form = $("inspection-form");
    if (!form) return;
    var note = $("inspection-note");
    var result = $("inspection-result");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (button.disabled) return;
      var text = note.value.trim();
      if (!text) {
        say(result, "bad", "请填写巡考情况。");
        note.setAttribute("aria-invalid", "true");
        note.focus();
        return;
      }
      note.removeAttribute("aria-invalid");
      button.disabled = true;
      button.textContent = "正在提交…";
      say(result, "", "");
      post(PROCTORING + "/inspections", { note: text }).then(function (response) {
        button.disabled = false;
        button.textContent = "提交巡考记录";
        if (!response.ok) { refusal(result, response); return; }
        note.value = "";
        var at = localTime((response.data || {}).at, false);
        say(result, "ok", "巡考记录已提交" + (at ? "（" + at + "）" : "") + "，已记入本场留痕。");
      }, function () {
        button.disabled = false;
        button.textContent = "提交巡考记录";
        networkFailure(result);
      });
    });
  }

  /* ---------- start ---------- */

  function wire() {
    var seats = $("seats");
    seats.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("button.seat") : null;
      if (button) openPanel(Number(button.getAttribute("data-seat")));
    });
    seats.addEventListener("keydown", moveFocus);
    Array.prototype.slice.call(document.querySelectorAll("[data-room-action]")).forEach(function (button) {
      button.addEventListener("click", function () {
        var name = button.getAttribute("data-room-action");
        if (name === "authorize_all") authorizeAll(button);
        else openRoomAction(name);
      });
    });
    $("cases").addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-review-case]") : null;
      if (!button) return;
      var seat = seatOfAttempt(Number(button.getAttribute("data-attempt")));
      if (seat) openPanel(seat.seat, "review");
    });
    [seatDialog, roomDialog].forEach(function (dialog) {
      dialog.querySelector("[data-close]").addEventListener("click", function () {
        if (dialog === seatDialog) closePanel();
        else closeRoomDialog();
      });
      // A tap on the shade around the panel closes it, as Escape does.
      dialog.addEventListener("click", function (event) {
        if (event.target !== dialog) return;
        var box = dialog.getBoundingClientRect();
        var inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
        if (!inside) {
          if (dialog === seatDialog) closePanel();
          else closeRoomDialog();
        }
      });
    });
    seatDialog.addEventListener("close", onPanelClosed);
    roomDialog.addEventListener("close", function () { $("room-form").textContent = ""; });
    window.addEventListener("offline", function () { setConnection("offline"); });
    window.addEventListener("online", function () {
      failures = 0;
      connect();
    });
    window.addEventListener("resize", layout);
    wireInspection();
  }

  wire();
  apply(readJson("data-state", null));
  lastFresh = performance.now();
  setInterval(tick, 1000);
  setInterval(watchQuiet, 5000);
  connect();
})();
