/* examhall candidate pages: the identity-check page waiting for the proctor, the exam itself,
   and the done page. The server's clock is the only clock; every answer is queued locally
   (by attempt) until the server acknowledges it. */
(function () {
  "use strict";

  var body = document.body;
  var page = body.getAttribute("data-page");
  var attemptId = body.getAttribute("data-attempt");
  if (!page || !attemptId) return;

  var API = "/api/v1/delivery/attempts/" + encodeURIComponent(attemptId);
  var ATTEMPT_URL = "/exam/attempts/" + encodeURIComponent(attemptId);
  var STORE_KEY = "examhall.attempt." + attemptId;
  var VIEW_KEY = "examhall.view." + attemptId;

  function $(id) { return document.getElementById(id); }

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
      if (child !== null && child !== undefined) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  /* One request to the attempt's API. Resolves with {status, ok, data, sent, received};
     rejects only when the network fails or the request times out. */
  function call(method, path, payload) { return window.examhallApi.call(method, API + path, payload); }

  function sessionGone(status) { return status === 401 || status === 403; }

  /* A server time as the exam body reads it, in its own time zone: 14:05 (or 12月6日 14:05). */
  var zone = body.getAttribute("data-zone") || "Asia/Shanghai";
  function clockTime(iso, withDate) {
    if (!iso) return "";
    var when = new Date(iso);
    if (isNaN(when.getTime())) return "";
    var options = { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone };
    var parts = {};
    try {
      new Intl.DateTimeFormat("en-US", options).formatToParts(when).forEach(function (part) { parts[part.type] = part.value; });
    } catch (e) {
      return "";
    }
    var time = parts.hour + ":" + parts.minute;
    return withDate ? parts.month + "月" + parts.day + "日 " + time : time;
  }

  function hms(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var r = s % 60;
    var two = function (v) { return (v < 10 ? "0" : "") + v; };
    return (h > 0 ? h + ":" : "") + two(m) + ":" + two(r);
  }

  function spokenDuration(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var r = s % 60;
    return (h ? h + " 小时 " : "") + (m ? m + " 分 " : "") + (h || m ? "" : r + " 秒");
  }

  /* The server's remaining time at the moment a response arrived, run down by the monotonic
     clock since: the PC's wall clock is never consulted. */
  function ServerClock() {
    this.remaining = null;
    this.at = 0;
    this.paused = false;
    this.lastSent = -1;
  }
  ServerClock.prototype.update = function (data, response) {
    if (!data || response.sent < this.lastSent) return;  // an older request answered late
    this.lastSent = response.sent;
    if (typeof data.paused === "boolean") this.paused = data.paused;
    if (typeof data.remaining_seconds === "number") {
      this.remaining = data.remaining_seconds;
      this.at = response.received;
    }
  };
  ServerClock.prototype.left = function () {
    if (this.remaining === null) return null;
    if (this.paused) return Math.max(0, this.remaining);
    return Math.max(0, this.remaining - (performance.now() - this.at) / 1000);
  };

  /* The start's reply carries the paper. It is handed to the exam page through this tab's own
     storage, so that pressing start costs the server one request; the page asks for the paper
     itself when nothing was handed over (a reload, another tab, storage off). */
  var HANDED_KEY = "examhall.started." + attemptId;
  var HANDED_FOR_SECONDS = 30;

  function handOver(data) {
    try {
      sessionStorage.setItem(HANDED_KEY, JSON.stringify({ at: Date.now(), data: data }));
    } catch (e) { /* storage off or full: the exam page asks for the paper */ }
  }

  function takeHanded() {
    var handed = null;
    try {
      handed = JSON.parse(sessionStorage.getItem(HANDED_KEY) || "null");
      sessionStorage.removeItem(HANDED_KEY);
    } catch (e) { return null; }
    var age = handed ? (Date.now() - handed.at) / 1000 : -1;
    if (!handed || !handed.data || !(age >= 0 && age < HANDED_FOR_SECONDS)) return null;
    // The time left was the server's when the start answered; the page's clock carries it on.
    if (typeof handed.data.remaining_seconds === "number") {
      handed.data.remaining_seconds = Math.max(0, handed.data.remaining_seconds - age);
    }
    return handed.data;
  }

  if (page === "confirm") confirmPage();
  else if (page === "exam") examPage();
  else if (page === "done") {
    try { localStorage.removeItem(STORE_KEY); } catch (e) { /* storage off */ }
  }

  /* ---------- The identity-check page: wait for the proctor, then start ---------- */

  function confirmPage() {
    var stateBox = $("wait-state");
    var detail = $("wait-detail");
    var countdown = $("wait-countdown");
    var startButton = $("start-button");
    var problem = $("start-problem");
    var spinner = $("wait-spinner");
    var startsIn = null;  // seconds to the start at `startsAt`
    var startsAt = 0;
    var starting = false;
    var stopped = false;
    var lastKey = "";

    function show(kind, text, more) {
      var key = kind + "|" + text + "|" + more;
      if (key === lastKey) return;
      lastKey = key;
      stateBox.className = "state " + kind;
      stateBox.textContent = text;
      detail.textContent = more || "";
    }

    function render(data) {
      var state = data.state;
      if (state === "in_progress" || state === "submitted" || state === "ended" || state === "closed") {
        stopped = true;
        startButton.hidden = true;
        spinner.hidden = true;
        countdown.textContent = "";
        if (state === "in_progress") show("ready", "考试进行中", "正在进入答题页面…");
        else show("bad", "本场考试已结束", state === "closed" ? "您没有开始答题。请按监考员指示离开考场。" : "");
        location.replace(ATTEMPT_URL);
        return;
      }
      startsIn = null;
      if (data.starts_at && data.server_time) {
        var gap = (new Date(data.starts_at).getTime() - new Date(data.server_time).getTime()) / 1000;
        if (!isNaN(gap)) { startsIn = gap; startsAt = performance.now(); }
      }
      if (data.can_start) {
        show("ready", "可以开始", "监考员已授权，请点击下方按钮开始答题。");
        startButton.hidden = false;
        spinner.hidden = true;
        countdown.textContent = "";
        return;
      }
      startButton.hidden = true;
      spinner.hidden = false;
      if (state === "waiting") {
        show("waiting", "等待监考员授权", data.reason || "请坐好，监考员核对身份后授权开始。");
      } else if (startsIn !== null && startsIn > 0) {
        show("waiting", "未到开考时间", "监考员已授权。到开考时间后，这里会出现“开始答题”按钮。");
      } else {
        show("waiting", "请稍候", data.reason || "");
      }
      tick();
    }

    function tick() {
      if (startsIn === null || startButton.hidden === false) { countdown.textContent = ""; return; }
      var left = startsIn - (performance.now() - startsAt) / 1000;
      countdown.textContent = left > 0 ? "距开考还有 " + hms(left) : "";
    }

    function ended() {
      stopped = true;
      show("bad", "登录已失效", "");
      problem.hidden = false;
      problem.textContent = "";
      problem.appendChild(document.createTextNode("本次登录已失效（可能已在其他电脑登录）。请联系监考员，或 "));
      problem.appendChild(el("a", { href: "/exam", text: "重新登录" }));
      startButton.hidden = true;
      spinner.hidden = true;
    }

    function poll() {
      if (stopped) return;
      call("GET", "/status").then(function (response) {
        if (sessionGone(response.status)) { ended(); return; }
        if (response.ok && response.data) {
          $("wait-offline").hidden = true;
          render(response.data);
        }
        if (!stopped) setTimeout(poll, 2500);
      }, function () {
        $("wait-offline").hidden = false;
        if (!stopped) setTimeout(poll, 3000);
      });
    }

    startButton.addEventListener("click", function () {
      if (starting) return;
      starting = true;
      startButton.disabled = true;
      startButton.textContent = "正在进入…";
      problem.hidden = true;
      call("POST", "/start").then(function (response) {
        if (response.ok) {
          stopped = true;
          handOver(response.data);
          location.assign(ATTEMPT_URL);
          return;
        }
        if (sessionGone(response.status)) { ended(); return; }
        problem.hidden = false;
        problem.textContent = (response.data && response.data.message) || "暂时无法开始，请稍后再试或联系监考员。";
        reset();
      }, function () {
        problem.hidden = false;
        problem.textContent = "网络连接不稳定，请再点一次“开始答题”。";
        reset();
      });
      function reset() {
        starting = false;
        startButton.disabled = false;
        startButton.textContent = "开始答题";
      }
    });

    setInterval(tick, 500);
    poll();
  }

  /* ---------- The exam ---------- */

  function examPage() {
    var TYPE_NAMES = { true_false: "判断题", single_choice: "单选题", multiple_choice: "多选题", fill_blank: "填空题" };
    var HEARTBEAT_MS = 5000;
    var PAUSED_POLL_MS = 3000;
    var INACTIVE_MS = 10 * 60 * 1000;
    var WARN_AT = [15 * 60, 5 * 60];
    var LETTERS = "ABCDEFGH";

    var clock = new ServerClock();
    var items = [];
    var byN = {};
    var sections = [];
    var answers = {};  // n -> {response, flagged}
    var nodes = {};  // n -> {article, cell, choices, flag, inputs}
    var current = 1;
    var sectionMode = false;
    var sending = false;
    var failures = 0;
    var retryTimer = null;
    var isolate = false;
    var paused = false;
    var over = false;  // time up, submitted, or the session ended: nothing more is sent
    var warned = {};
    var heartbeatTimer = null;
    var lastInput = performance.now();
    var inactiveReported = false;
    var signals = [];
    var signalsSending = false;
    var lastSignal = {};
    var blankTimers = {};
    var leaving = false;  // our own navigation or a reload is no conduct to report

    var store = loadStore();

    function loadStore() {
      try {
        var raw = localStorage.getItem(STORE_KEY);
        if (raw) {
          var value = JSON.parse(raw);
          if (value && typeof value.seq === "number" && Array.isArray(value.pending)) {
            if (!Array.isArray(value.seen)) value.seen = [];
            return value;
          }
        }
      } catch (e) { /* unreadable or storage off: start empty */ }
      return { seq: 0, pending: [], seen: [] };
    }

    function saveStore() {
      try {
        localStorage.setItem(STORE_KEY, JSON.stringify(store));
      } catch (e) { /* storage full or off: the queue lives on in memory */ }
    }

    function clearStore() {
      try { localStorage.removeItem(STORE_KEY); } catch (e) { /* storage off */ }
    }

    function loadView() {
      try {
        var raw = sessionStorage.getItem(VIEW_KEY);
        return raw ? JSON.parse(raw) : null;
      } catch (e) { return null; }
    }

    function saveView() {
      try { sessionStorage.setItem(VIEW_KEY, JSON.stringify({ n: current, section: sectionMode })); } catch (e) { /* off */ }
    }

    /* --- status line: saving --- */

    var saveState = $("save-state");
    function showSaveState() {
      var count = store.pending.length;
      var text;
      var kind;
      if (!count && !sending) {
        text = "已保存";
        kind = "saved";
      } else if (paused && !sending) {
        text = "未保存：" + count + " 条待发送，考试恢复后自动发送";
        kind = "unsaved";
      } else if (!navigator.onLine || failures > 0) {
        text = "未保存：" + count + " 条待发送，网络恢复后自动发送";
        kind = "unsaved";
      } else {
        text = "保存中…";
        kind = "saving";
      }
      if (saveState.textContent !== text) saveState.textContent = text;
      saveState.className = "save-state " + kind;
      $("offline-state").hidden = navigator.onLine;
    }

    /* --- banners and overlays --- */

    var banners = $("banners");
    var timeAnnouncer = $("time-announcer");

    function banner(kind, title, text, options) {
      options = options || {};
      var box = el("div", { className: "banner " + kind, role: kind === "warning" || kind === "pause" ? "alert" : "status" }, [
        el("p", { className: "text" }, [el("strong", { text: title }), text || ""]),
      ]);
      var close = el("button", { type: "button", className: "secondary", text: "知道了" });
      close.addEventListener("click", function () { box.remove(); });
      box.appendChild(close);
      if (options.id) {
        var old = $(options.id);
        if (old) old.remove();
        box.id = options.id;
      }
      banners.appendChild(box);
      if (options.timeout) setTimeout(function () { box.remove(); }, options.timeout);
      return box;
    }

    function overlay(kind, title, lines, link) {
      var box = el("div", { className: "box", role: "alertdialog", "aria-modal": "true", "aria-labelledby": "overlay-title" }, [
        el("h2", { id: "overlay-title", text: title }),
      ]);
      lines.forEach(function (line) { box.appendChild(el("p", { text: line })); });
      if (link) box.appendChild(el("p", {}, [el("a", { className: "button big", href: link.href, text: link.text })]));
      var old = $("overlay");
      if (old) old.remove();
      var shade = el("div", { id: "overlay", className: "overlay " + kind }, [box]);
      body.appendChild(shade);
      var focusable = box.querySelector("a") || box.querySelector("h2");
      if (!box.querySelector("a")) box.querySelector("h2").setAttribute("tabindex", "-1");
      focusable.focus();
    }

    function noticeKey(notice) { return [notice.at, notice.kind, notice.text].join("|"); }

    var endedText = "";

    /* The server's notices speak for themselves; the banner adds when and how loudly. */
    function showNotices(list) {
      if (!Array.isArray(list)) return;
      var changed = false;
      list.forEach(function (notice) {
        var key = noticeKey(notice);
        if (notice.kind === "ended") endedText = notice.text || "";
        if (store.seen.indexOf(key) !== -1) return;
        store.seen.push(key);
        changed = true;
        var at = clockTime(notice.at) + " ";
        if (notice.kind === "warning") {
          banner("warning", at, notice.text || "监考员提醒您遵守考场纪律。");
        } else if (notice.kind === "time_added") {
          banner("time_added", at, notice.text || "考试时间已延长。", { timeout: 30000 });
        } else if (notice.kind === "resume") {
          banner("resume", at, notice.text || "考试已恢复，请继续答题。", { timeout: 15000 });
        } else if (notice.kind === "pause") {
          var text = $("pause-text");
          if (text && notice.text) text.textContent = notice.text + "。";
        } else if (notice.kind !== "ended" && notice.text) {
          banner("info", at, notice.text);
        }
      });
      if (store.seen.length > 100) store.seen = store.seen.slice(-100);
      if (changed) saveStore();
    }

    function setPaused(value, reason) {
      if (value === paused) return;
      paused = value;
      $("paper").classList.toggle("disabled", paused);
      setDisabled(paused || over);
      var box = $("pause-banner");
      if (paused) {
        if (!box) {
          box = el("div", { id: "pause-banner", className: "banner pause", role: "alert" }, [
            el("p", { className: "text" }, [
              el("strong", { text: "考试已暂停" }),
              el("span", { id: "pause-text" }, [reason || "请等待监考员指示。"]),
              "暂停期间不能作答，计时已停止。",
            ]),
          ]);
          banners.insertBefore(box, banners.firstChild);
        }
      } else if (box) {
        box.remove();
        flush();
      }
      showSaveState();
      scheduleHeartbeat();
    }

    function setDisabled(disabled) {
      items.forEach(function (item) {
        var node = nodes[item.n];
        node.choices.forEach(function (button) { button.disabled = disabled; });
        node.inputs.forEach(function (input) { input.disabled = disabled; });
        node.flag.disabled = disabled;
      });
      $("submit-open").disabled = over;
      $("submit-open-2").disabled = over;
    }

    function leaveTo(url, delay) {
      setTimeout(function () {
        leaving = true;
        location.assign(url);
      }, delay || 0);
    }

    function sessionEnded() {
      if (over) return;
      over = true;
      stopTimers();
      setDisabled(true);
      overlay("bad", "本次登录已失效", [
        "可能已在其他电脑上登录，或已被监考员结束。",
        store.pending.length ? "本机还有 " + store.pending.length + " 条答案未发送，重新登录后会自动发送。" : "已作答的内容都已保存。",
        "请举手联系监考员。",
      ], { href: "/exam", text: "重新登录" });
    }

    function finished(title, lines) {
      if (over) return;
      over = true;
      stopTimers();
      setDisabled(true);
      clearStore();
      overlay("", title, lines.concat(["正在进入交卷结果页面…"]));
      leaveTo(ATTEMPT_URL, 2500);
    }

    /* --- the countdown --- */

    var timerBox = $("timer");
    var timerText = $("timer-clock");
    var lastShown = "";
    function tick() {
      var left = clock.left();
      if (left === null) return;
      var text = hms(left);
      if (text !== lastShown) {
        lastShown = text;
        timerText.textContent = text;
        timerBox.classList.toggle("low", left <= 15 * 60 && left > 5 * 60);
        timerBox.classList.toggle("critical", left <= 5 * 60);
        timerBox.classList.toggle("stopped", clock.paused);
        timerBox.setAttribute("aria-label", "剩余时间 " + spokenDuration(left) + (clock.paused ? "（已暂停）" : ""));
      }
      WARN_AT.forEach(function (threshold) {
        if (left > threshold + 60) warned[threshold] = false;  // time was added
        else if (left <= threshold && left > 0 && !warned[threshold]) {
          warned[threshold] = true;
          var minutes = threshold / 60;
          banner("time", "注意时间：", "离考试结束还有不到 " + minutes + " 分钟，请检查未答的题目。", { id: "time-banner" });
          timeAnnouncer.textContent = "离考试结束还有不到 " + minutes + " 分钟";
        }
      });
      if (left <= 0 && !over && !clock.paused) timeUp();
    }

    function timeUp() {
      if (over) return;
      over = true;
      stopTimers();
      setDisabled(true);
      timerText.textContent = "00:00";
      overlay("bad", "时间到", ["考试时间已到，系统正在交卷，请不要关闭页面。"]);
      // One last try to deliver what is queued, then one submit, then the done page.
      var sendQueued = store.pending.length && navigator.onLine
        ? call("POST", "/answers", { entries: store.pending.slice() }).catch(function () { return null; })
        : Promise.resolve(null);
      sendQueued.then(function () {
        return call("POST", "/submit").catch(function () { return null; });
      }).then(function (response) {
        if (response && (response.ok || (response.data && response.data.code === "time_up"))) clearStore();
        overlay("bad", "时间到", ["考试时间已到，已交卷。", "正在进入交卷结果页面…"]);
        if (navigator.onLine) leaveTo(ATTEMPT_URL, 1500);
        else window.addEventListener("online", function () { leaveTo(ATTEMPT_URL, 500); });
      });
    }

    function stopTimers() {
      if (heartbeatTimer) clearTimeout(heartbeatTimer);
      if (retryTimer) clearTimeout(retryTimer);
      heartbeatTimer = null;
      retryTimer = null;
    }

    /* Every response that carries the time and state goes through here. */
    function fromServer(response) {
      var data = response.data;
      if (!data) return;
      clock.update(data, response);
      if (typeof data.paused === "boolean" && response.sent >= clock.lastSent) setPaused(data.paused);
      if (data.notices) showNotices(data.notices);
      if (data.state === "submitted") finished("已交卷", ["本场考试已结束，答卷已提交。"]);
      else if (data.state === "ended") finished("考试已终止", [endedText || "本场考试已被终止，请听从监考员指示。"]);
      tick();
    }

    /* --- the answer queue --- */

    function nextSeq() {
      store.seq += 1;
      return store.seq;
    }

    function record(n, field, value) {
      var entry = { seq: nextSeq(), n: n };
      entry[field] = value;
      // An older unsent change of the same thing would only be ignored by the server.
      store.pending = store.pending.filter(function (e) { return !(e.n === n && field in e); });
      store.pending.push(entry);
      saveStore();
      showSaveState();
      flush();
    }

    function scheduleRetry() {
      if (retryTimer || over) return;
      var delay = Math.min(5000, 500 * Math.pow(2, Math.max(0, failures - 1))) + Math.floor(Math.random() * 300);
      retryTimer = setTimeout(function () { retryTimer = null; flush(); }, delay);
    }

    function acknowledge(seqs) {
      if (!seqs.length) return;
      var done = {};
      seqs.forEach(function (seq) { done[seq] = true; });
      store.pending = store.pending.filter(function (e) { return !done[e.seq]; });
      saveStore();
    }

    function flush() {
      if (sending || over || paused) { showSaveState(); return; }
      if (!store.pending.length) { isolate = false; showSaveState(); return; }
      if (!navigator.onLine) { showSaveState(); return; }
      if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
      sending = true;
      showSaveState();
      var batch = isolate ? store.pending.slice(0, 1) : store.pending.slice(0, 200);
      call("POST", "/answers", { entries: batch }).then(function (response) {
        sending = false;
        var data = response.data || {};
        if (response.ok) {
          failures = 0;
          acknowledge((data.applied || []).concat(data.ignored || []));
          fromServer(response);
          if (isolate && !store.pending.length) isolate = false;
          showSaveState();
          if (store.pending.length) flush();
          return;
        }
        if (sessionGone(response.status)) { showSaveState(); sessionEnded(); return; }
        if (response.status === 409 && data.code === "time_up") {
          showSaveState();
          finished("时间到，已交卷", ["考试时间已到，系统已自动交卷。"]);
          return;
        }
        if (response.status === 409 && data.code === "paused") {
          setPaused(true);
          showSaveState();
          return;
        }
        if (response.status === 409) {
          // Not in progress any more (submitted by a proctor, or ended): the status says which.
          failures += 1;
          showSaveState();
          scheduleHeartbeat(true);
          scheduleRetry();
          return;
        }
        if (response.status === 422) {
          rejected(batch, data);
          return;
        }
        failures += 1;
        showSaveState();
        scheduleRetry();
      }, function () {
        sending = false;
        failures += 1;
        showSaveState();
        scheduleRetry();
      });
    }

    /* A refused answer: drop it (it can never be taken) and say why. When the refusal does not
       say which entry it was, entries go one at a time until it shows itself. */
    function rejected(batch, data) {
      var culprit = null;
      if (typeof data.seq === "number") culprit = data.seq;
      else if (batch.length === 1) culprit = batch[0].seq;
      if (culprit === null) {
        isolate = true;
        flush();
        return;
      }
      var entry = batch.filter(function (e) { return e.seq === culprit; })[0];
      acknowledge([culprit]);
      isolate = false;
      banner("bad", "有一条答案未被接受" + (entry ? "（第 " + entry.n + " 题）" : "") + "：", data.message || "答案格式不正确，请重新作答。");
      if (entry && "response" in entry) reloadItemFromServer(entry.n);
      showSaveState();
      flush();
    }

    function reloadItemFromServer(n) {
      call("GET", "/paper").then(function (response) {
        if (!response.ok || !response.data) return;
        var server = (response.data.answers || {})[String(n)] || {};
        var pendingForItem = store.pending.some(function (e) { return e.n === n && "response" in e; });
        if (!pendingForItem) {
          answers[n].response = server.response === undefined ? null : server.response;
          paint(n);
        }
      }, function () { /* keep what is shown */ });
    }

    function drain(maxMs) {
      var until = performance.now() + maxMs;
      function wait() {
        if (!store.pending.length && !sending) return Promise.resolve(true);
        if (over || performance.now() > until) return Promise.resolve(false);
        if (!sending) flush();
        return sleep(250).then(wait);
      }
      return wait();
    }

    /* --- the heartbeat: pauses, added time, warnings --- */

    function scheduleHeartbeat(soon) {
      if (over) return;
      if (heartbeatTimer) clearTimeout(heartbeatTimer);
      heartbeatTimer = setTimeout(heartbeat, soon ? 0 : paused ? PAUSED_POLL_MS : HEARTBEAT_MS);
    }

    function heartbeat() {
      heartbeatTimer = null;
      if (over) return;
      call("GET", "/status").then(function (response) {
        if (sessionGone(response.status)) { sessionEnded(); return; }
        if (response.ok) fromServer(response);
        scheduleHeartbeat();
      }, function () {
        showSaveState();
        scheduleHeartbeat();
      });
      sendSignals();
      if (store.pending.length && !sending && !retryTimer) flush();
    }

    /* --- what the candidate does outside the page --- */

    function signal(kind, detail) {
      if (over || leaving) return;
      var now = performance.now();
      if (lastSignal[kind] && now - lastSignal[kind] < 3000) return;
      lastSignal[kind] = now;
      if (signals.length < 50) signals.push({ kind: kind, detail: detail });
      sendSignals();
    }

    function sendSignals() {
      if (signalsSending || !signals.length || !navigator.onLine || over) return;
      signalsSending = true;
      call("POST", "/signals", signals[0]).then(function (response) {
        signalsSending = false;
        if (sessionGone(response.status)) { sessionEnded(); return; }
        if (response.ok || response.status === 422) {
          signals.shift();
          sendSignals();
        }
      }, function () { signalsSending = false; });
    }

    function watchConduct() {
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "hidden") signal("hidden", "离开了考试页面（切换窗口、标签页或最小化）");
      });
      window.addEventListener("blur", function () {
        setTimeout(function () {
          if (document.visibilityState !== "hidden" && !document.hasFocus()) signal("blur", "考试窗口失去焦点");
        }, 100);
      });
      document.addEventListener("fullscreenchange", function () {
        var full = !!document.fullscreenElement;
        $("fullscreen").setAttribute("aria-pressed", full ? "true" : "false");
        $("fullscreen").textContent = full ? "退出全屏" : "全屏";
        if (!full) signal("fullscreen_exit", "退出了全屏");
      });
      ["copy", "cut"].forEach(function (kind) {
        document.addEventListener(kind, function (event) {
          event.preventDefault();
          signal("copy", kind === "cut" ? "尝试剪切" : "尝试复制");
        });
      });
      document.addEventListener("paste", function (event) {
        event.preventDefault();
        signal("paste", "尝试粘贴");
      });
      document.addEventListener("contextmenu", function (event) {
        event.preventDefault();
        signal("contextmenu", "尝试打开右键菜单");
      });
      document.addEventListener("selectstart", function (event) {
        var target = event.target;
        if (target && target.nodeType === 1 && target.tagName === "INPUT") return;
        event.preventDefault();
      });
      document.addEventListener("dragstart", function (event) { event.preventDefault(); });
      ["pointerdown", "keydown", "input", "wheel", "touchstart"].forEach(function (kind) {
        document.addEventListener(kind, function () {
          lastInput = performance.now();
          inactiveReported = false;
        }, { passive: true, capture: true });
      });
      setInterval(function () {
        if (!inactiveReported && !paused && performance.now() - lastInput >= INACTIVE_MS) {
          inactiveReported = true;
          signal("inactive", "10 分钟无任何操作");
        }
      }, 15000);
    }

    /* --- the paper --- */

    function isAnswered(item) {
      var response = (answers[item.n] || {}).response;
      if (response === null || response === undefined || response === "") return false;
      if (Array.isArray(response)) return response.some(function (text) { return text && String(text).trim(); });
      return true;
    }

    function sectionOf(item) {
      for (var i = 0; i < sections.length; i += 1) if (sections[i].index === item.section) return sections[i];
      return null;
    }

    function buildItem(item) {
      var id = "item-" + item.n;
      var kindName = TYPE_NAMES[item.type] || "";
      var heading = el("h2", { id: id + "-h", tabindex: "-1" }, ["第 " + item.n + " 题 ", el("span", { className: "kind", text: kindName })]);
      var flag = el("button", { type: "button", className: "flag", "aria-pressed": "false", "aria-describedby": id + "-h", "aria-keyshortcuts": "M" }, ["★ 标记"]);
      var stem = el("div", { className: "stem", id: id + "-stem", text: item.stem });
      var article = el("article", { className: "item", id: id, "data-n": item.n, "aria-labelledby": id + "-h", hidden: true }, [
        el("div", { className: "item-head" }, [heading, flag]),
        stem,
      ]);
      if (item.images) {
        var pics = el("div", { className: "images" });
        for (var k = 0; k < item.images; k += 1) {
          pics.appendChild(el("img", {
            src: ATTEMPT_URL + "/images/" + item.n + "/" + k,
            alt: "第 " + item.n + " 题 图 " + (k + 1),
            loading: "lazy",
            draggable: "false",
          }));
        }
        article.appendChild(pics);
      }
      var node = { article: article, heading: heading, flag: flag, choices: [], inputs: [] };
      var group;
      if (item.type === "true_false") {
        group = el("div", { className: "choices tf", role: "group", "aria-labelledby": id + "-h " + id + "-stem" });
        [[true, "√ 对", "1 A"], [false, "× 错", "2 B"]].forEach(function (pair) {
          var button = el("button", { type: "button", className: "choice", "data-value": String(pair[0]), "aria-pressed": "false", "aria-keyshortcuts": pair[2] }, [pair[1]]);
          button.addEventListener("click", function () { choose(item, pair[0]); });
          group.appendChild(button);
          node.choices.push(button);
        });
        article.appendChild(group);
        article.appendChild(el("p", { className: "item-hint", text: "判断对错：点“对”或“错”。" }));
      } else if (item.type === "single_choice" || item.type === "multiple_choice") {
        var multi = item.type === "multiple_choice";
        group = el("div", { className: "choices" + (multi ? " multi" : ""), role: "group", "aria-labelledby": id + "-h " + id + "-stem" });
        (item.options || []).forEach(function (option, position) {
          var button = el("button", { type: "button", className: "choice", "data-value": option.label, "aria-pressed": "false", "aria-keyshortcuts": LETTERS.charAt(position) + " " + (position + 1) }, [
            el("span", { className: "letter", "aria-hidden": "true", text: option.label }),
            el("span", { className: "text" }, [el("span", { className: "visually-hidden", text: option.label + "．" }), option.text]),
          ]);
          button.addEventListener("click", function () { choose(item, option.label); });
          group.appendChild(button);
          node.choices.push(button);
        });
        article.appendChild(group);
        article.appendChild(el("p", { className: "item-hint", text: multi ? "多选题：有两个或以上正确答案，可选多项；再点一次取消。" : "单选题：只有一个正确答案。" }));
      } else if (item.type === "fill_blank") {
        var blanks = el("div", { className: "blanks" });
        var count = Math.max(1, item.blanks || 1);
        for (var b = 0; b < count; b += 1) {
          var inputId = id + "-blank-" + b;
          var input = el("input", { id: inputId, type: "text", autocomplete: "off", autocapitalize: "off", spellcheck: "false", maxlength: "200", "data-blank": b });
          input.addEventListener("input", function () { blankChanged(item, false); });
          input.addEventListener("change", function () { blankChanged(item, true); });
          input.addEventListener("keydown", blankKey(item, b));
          blanks.appendChild(el("div", {}, [el("label", { for: inputId, text: "第 " + (b + 1) + " 空" }), input]));
          node.inputs.push(input);
        }
        article.appendChild(blanks);
        article.appendChild(el("p", { className: "item-hint", text: "填空题：在框内输入答案，输入后自动保存。" }));
      }
      flag.addEventListener("click", function () { toggleFlag(item); });
      article.addEventListener("focusin", function () { if (current !== item.n) setCurrent(item.n, false); });
      article.addEventListener("pointerdown", function () { if (current !== item.n) setCurrent(item.n, false); });
      nodes[item.n] = node;
      return article;
    }

    function blankKey(item, index) {
      return function (event) {
        if (event.key !== "Enter") return;
        event.preventDefault();
        blankChanged(item, true);
        var next = nodes[item.n].inputs[index + 1];
        if (next) next.focus();
      };
    }

    function blankValues(item) {
      return nodes[item.n].inputs.map(function (input) { return input.value.trim(); });
    }

    function blankChanged(item, now) {
      if (paused || over) return;
      if (blankTimers[item.n]) clearTimeout(blankTimers[item.n]);
      blankTimers[item.n] = null;
      var commit = function () {
        blankTimers[item.n] = null;
        var values = blankValues(item);
        var response = values.some(function (v) { return v; }) ? values : null;
        if (JSON.stringify(response) === JSON.stringify(answers[item.n].response || null)) return;
        answers[item.n].response = response;
        record(item.n, "response", response);
        paintCell(item.n);
        updateCounts();
      };
      if (now) commit();
      else {
        blankTimers[item.n] = setTimeout(commit, 700);
        // Shown at once as pending, so that nobody walks away from an unsent blank.
        saveState.textContent = "保存中…";
        saveState.className = "save-state saving";
      }
    }

    function commitBlanks() {
      Object.keys(blankTimers).forEach(function (n) {
        if (blankTimers[n]) {
          clearTimeout(blankTimers[n]);
          blankTimers[n] = null;
          blankChanged(byN[n], true);
        }
      });
    }

    function choose(item, value) {
      if (paused || over) return;
      var answer = answers[item.n];
      var response;
      if (item.type === "multiple_choice") {
        var chosen = typeof answer.response === "string" ? answer.response.split("") : [];
        var at = chosen.indexOf(value);
        if (at === -1) chosen.push(value);
        else chosen.splice(at, 1);
        response = chosen.sort().join("") || null;
      } else {
        response = value;
        if (answer.response === response) return;
      }
      answer.response = response;
      record(item.n, "response", response);
      paint(item.n);
    }

    function toggleFlag(item) {
      if (paused || over) return;
      var answer = answers[item.n];
      answer.flagged = !answer.flagged;
      record(item.n, "flagged", answer.flagged);
      paint(item.n);
    }

    function paint(n) {
      var item = byN[n];
      var node = nodes[n];
      var answer = answers[n];
      var response = answer.response;
      node.choices.forEach(function (button) {
        var value = button.getAttribute("data-value");
        var on;
        if (item.type === "true_false") on = response !== null && response !== undefined && String(response) === value;
        else if (item.type === "multiple_choice") on = typeof response === "string" && response.indexOf(value) !== -1;
        else on = response === value;
        button.setAttribute("aria-pressed", on ? "true" : "false");
      });
      if (item.type === "fill_blank") {
        var values = Array.isArray(response) ? response : [];
        node.inputs.forEach(function (input, index) {
          var value = values[index] === undefined || values[index] === null ? "" : String(values[index]);
          if (document.activeElement !== input && input.value.trim() !== value) input.value = value;
        });
      }
      node.flag.setAttribute("aria-pressed", answer.flagged ? "true" : "false");
      node.flag.textContent = answer.flagged ? "★ 已标记" : "★ 标记";
      paintCell(n);
      updateCounts();
    }

    function paintCell(n) {
      var item = byN[n];
      var cell = nodes[n].cell;
      var done = isAnswered(item);
      var flagged = !!answers[n].flagged;
      cell.classList.toggle("answered", done);
      cell.classList.toggle("flagged", flagged);
      cell.querySelector(".done-sym").textContent = done ? "√" : "";
      cell.querySelector(".flag-sym").textContent = flagged ? "★" : "";
      cell.setAttribute("aria-label", "第 " + n + " 题，" + (done ? "已答" : "未答") + (flagged ? "，已标记" : ""));
    }

    function updateCounts() {
      var done = items.filter(isAnswered).length;
      var flagged = items.filter(function (item) { return answers[item.n].flagged; }).length;
      var text = "已答 " + done + " / " + items.length + " 题" + (flagged ? "，标记 " + flagged + " 题" : "");
      $("counts").textContent = text;
      $("sheet-toggle").textContent = "答题卡 " + done + "/" + items.length;
    }

    function buildSheet() {
      var holder = $("sheet-grids");
      holder.textContent = "";
      sections.forEach(function (section) {
        var members = items.filter(function (item) { return item.section === section.index; });
        if (!members.length) return;
        var headingId = "sheet-sec-" + section.index;
        holder.appendChild(el("h3", { id: headingId, text: section.title + "（" + members.length + " 题）" }));
        var list = el("ol", { className: "grid", "aria-labelledby": headingId });
        members.forEach(function (item) {
          var cell = el("button", { type: "button", className: "cell" }, [
            String(item.n),
            el("span", { className: "sym done-sym", "aria-hidden": "true" }),
            el("span", { className: "sym flag-sym", "aria-hidden": "true" }),
          ]);
          cell.addEventListener("click", function () {
            goTo(item.n, true);
            closeSheet(false);
          });
          nodes[item.n].cell = cell;
          list.appendChild(el("li", {}, [cell]));
        });
        holder.appendChild(list);
      });
    }

    function sectionTitle(section) {
      var order = "一二三四五六七八九十";
      var position = sections.indexOf(section);
      var prefix = position >= 0 && position < order.length ? order[position] + "、" : "";
      var points = section.points !== undefined && section.points !== null ? "，每题 " + section.points + " 分" : "";
      // The bracket is kept on one line: split, it reads as two broken halves on a phone.
      return [prefix + section.title, el("span", { className: "nobr", text: "（共 " + section.count + " 题" + points + "）" })];
    }

    function setCurrent(n, moveFocus) {
      var before = current;
      current = n;
      var item = byN[n];
      var section = sectionOf(item);
      items.forEach(function (other) {
        var node = nodes[other.n];
        var visible = sectionMode ? other.section === item.section : other.n === n;
        node.article.hidden = !visible;
        node.article.classList.toggle("current", other.n === n);
        if (node.cell) {
          if (other.n === n) node.cell.setAttribute("aria-current", "true");
          else node.cell.removeAttribute("aria-current");
        }
      });
      var title = $("section-title");
      title.textContent = "";
      (section ? sectionTitle(section) : []).forEach(function (part) {
        title.appendChild(typeof part === "string" ? document.createTextNode(part) : part);
      });
      $("where").textContent = "第 " + n + " 题 / 共 " + items.length + " 题";
      var index = items.indexOf(item);
      ["prev", "prev-2"].forEach(function (id) { $(id).disabled = index <= 0; });
      ["next", "next-2"].forEach(function (id) { $(id).disabled = index >= items.length - 1; });
      updateKeyHint(item);
      showCell(nodes[n].cell);
      saveView();
      if (moveFocus) nodes[n].heading.focus({ preventScroll: true });
      if (before !== n || moveFocus) {
        if (sectionMode) nodes[n].article.scrollIntoView({ block: "nearest" });
        else window.scrollTo(0, 0);
      }
    }

    /* The answer sheet keeps the current item's cell in sight, after a reload too. */
    function showCell(cell) {
      var grids = $("sheet-grids");
      if (!cell || !grids.clientHeight) return;
      var top = cell.getBoundingClientRect().top - grids.getBoundingClientRect().top + grids.scrollTop;
      if (top < grids.scrollTop || top + cell.offsetHeight > grids.scrollTop + grids.clientHeight) {
        grids.scrollTop = Math.max(0, top - (grids.clientHeight - cell.offsetHeight) / 2);
      }
    }

    function goTo(n, focusItem) {
      if (!byN[n]) return;
      var active = document.activeElement;
      var wasInside = active && nodes[current] && nodes[current].article.contains(active);
      commitBlanks();
      setCurrent(n, focusItem || wasInside);
    }

    function step(delta) {
      var index = items.indexOf(byN[current]) + delta;
      if (index >= 0 && index < items.length) goTo(items[index].n, false);
    }

    /* Keys mean the same on every item: 1–8 and A–H the first to eighth choice (对 and 错 are
       a 判断题's first and second), M the mark. */
    function updateKeyHint(item) {
      var hint = $("keys");
      var parts = ["键盘：", kbd("←"), kbd("→"), " 或 ", kbd("PageUp"), kbd("PageDown"), " 上一题/下一题；"];
      if (item.type === "true_false") parts.push(kbd("1"), " 或 ", kbd("A"), " 对，", kbd("2"), " 或 ", kbd("B"), " 错；");
      else if (item.type === "fill_blank") parts.push(kbd("Tab"), " 进入填空框；");
      else {
        var count = (item.options || []).length;
        parts.push(kbd("A"), "–", kbd(LETTERS[Math.max(0, count - 1)] || "D"), " 或 ", kbd("1"), "–", kbd(String(Math.max(1, count))), " 选择；");
      }
      parts.push(kbd("M"), " 标记");
      hint.textContent = "";
      parts.forEach(function (part) { hint.appendChild(typeof part === "string" ? document.createTextNode(part) : part); });
    }

    function kbd(text) { return el("kbd", { text: text }); }

    function setSectionMode(on) {
      sectionMode = on;
      var toggle = $("view-toggle");
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
      toggle.textContent = on ? "逐题显示" : "整节显示";
      $("paper").classList.toggle("section-mode", on);
      setCurrent(current, false);
    }

    /* --- the answer sheet drawer on phones --- */

    function openSheet() {
      var sheet = $("sheet");
      sheet.classList.add("open");
      $("backdrop").classList.add("open");
      $("sheet-toggle").setAttribute("aria-expanded", "true");
      var cell = nodes[current] && nodes[current].cell;
      setTimeout(function () { (cell || $("sheet-close")).focus(); }, 50);
    }

    function closeSheet(returnFocus) {
      var sheet = $("sheet");
      if (!sheet.classList.contains("open")) return;
      sheet.classList.remove("open");
      $("backdrop").classList.remove("open");
      $("sheet-toggle").setAttribute("aria-expanded", "false");
      if (returnFocus) $("sheet-toggle").focus();
    }

    /* --- submitting --- */

    function openSubmit() {
      if (over) return;
      commitBlanks();
      closeSheet(false);
      var dialog = $("submit-dialog");
      var missing = items.filter(function (item) { return !isAnswered(item); });
      var flagged = items.filter(function (item) { return answers[item.n].flagged; });
      var summary = $("submit-summary");
      summary.textContent = "";
      if (missing.length) {
        summary.appendChild(el("p", { className: "notice warn" }, [el("strong", { text: "还有 " + missing.length + " 题未作答：" })]));
        summary.appendChild(numberList(missing, "未答"));
      } else {
        summary.appendChild(el("p", { className: "notice ok", text: "全部 " + items.length + " 题均已作答。" }));
      }
      if (flagged.length) {
        summary.appendChild(el("p", { text: "标记待检查的题目（" + flagged.length + " 题）：" }));
        summary.appendChild(numberList(flagged, "已标记"));
      }
      summary.appendChild(el("p", { text: "交卷后不能再修改答案。确定要交卷吗？" }));
      $("submit-problem").hidden = true;
      $("submit-confirm").disabled = false;
      $("submit-confirm").textContent = "确认交卷";
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
      $("submit-cancel").focus();
    }

    /* Many numbers read better as runs: 第 6–70、73–100 题. */
    function numberRuns(list) {
      var runs = [];
      list.forEach(function (item) {
        var last = runs[runs.length - 1];
        if (last && item.n === last[1] + 1) last[1] = item.n;
        else runs.push([item.n, item.n]);
      });
      return "第 " + runs.map(function (run) { return run[0] === run[1] ? run[0] : run[0] + "–" + run[1]; }).join("、") + " 题";
    }

    function numberList(list, what) {
      if (list.length > 30) return el("p", { className: "ranges", text: numberRuns(list) });
      var holder = el("ul", { className: "list" });
      list.forEach(function (item) {
        var button = el("button", { type: "button", "aria-label": "第 " + item.n + " 题（" + what + "），去作答", text: String(item.n) });
        button.addEventListener("click", function () {
          closeDialog();
          goTo(item.n, true);
        });
        holder.appendChild(el("li", {}, [button]));
      });
      return holder;
    }

    function closeDialog() {
      var dialog = $("submit-dialog");
      if (typeof dialog.close === "function" && dialog.open) dialog.close();
      else dialog.removeAttribute("open");
    }

    function submitProblem(text) {
      var problem = $("submit-problem");
      problem.hidden = false;
      problem.textContent = text;
      $("submit-confirm").disabled = false;
      $("submit-confirm").textContent = "再试一次";
    }

    function confirmSubmit() {
      if (over) return;
      var button = $("submit-confirm");
      button.disabled = true;
      button.textContent = "正在保存答案…";
      drain(10000).then(function (empty) {
        if (over) return null;
        if (!empty) {
          submitProblem("还有 " + store.pending.length + " 条答案未保存（网络未连接）。请等网络恢复、显示“已保存”后再交卷。");
          return null;
        }
        button.textContent = "正在交卷…";
        return call("POST", "/submit").then(function (response) {
          var data = response.data || {};
          if (response.ok || (response.status === 409 && data.code === "time_up")) {
            over = true;
            stopTimers();
            clearStore();
            closeDialog();
            leaving = true;
            location.assign(ATTEMPT_URL);
            return;
          }
          if (sessionGone(response.status)) { closeDialog(); sessionEnded(); return; }
          if (response.status === 409 && data.code === "paused") setPaused(true);
          submitProblem(data.message || "暂时无法交卷，请稍后再试或举手联系监考员。");
        }, function () {
          submitProblem("网络连接中断，交卷未成功。请等网络恢复后再点一次。");
        });
      });
    }

    /* --- keyboard --- */

    function onKey(event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "Escape" && $("sheet").classList.contains("open")) {
        closeSheet(true);
        return;
      }
      if (over || !items.length) return;
      var dialog = $("submit-dialog");
      if (dialog.open || $("overlay")) return;
      var target = event.target;
      var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable);
      var key = event.key;
      if (key === "PageUp" || key === "PageDown") {
        event.preventDefault();
        step(key === "PageUp" ? -1 : 1);
        return;
      }
      if (typing) return;
      if (key === "ArrowLeft" || key === "ArrowRight") {
        event.preventDefault();
        step(key === "ArrowLeft" ? -1 : 1);
        return;
      }
      if (key.length !== 1) return;
      var item = byN[current];
      var upper = key.toUpperCase();
      if (upper === "M") {
        event.preventDefault();
        toggleFlag(item);
        return;
      }
      var index = LETTERS.indexOf(upper);
      if (index === -1 && upper >= "1" && upper <= "8") index = Number(upper) - 1;
      if (index === -1) return;
      var values = item.type === "true_false" ? [true, false]
        : (item.options || []).map(function (option) { return option.label; });
      if (item.type !== "fill_blank" && index < values.length) {
        event.preventDefault();
        choose(item, values[index]);
      }
    }

    /* --- start-up --- */

    function wire() {
      $("prev").addEventListener("click", function () { step(-1); });
      $("next").addEventListener("click", function () { step(1); });
      $("prev-2").addEventListener("click", function () { step(-1); });
      $("next-2").addEventListener("click", function () { step(1); });
      $("view-toggle").addEventListener("click", function () { setSectionMode(!sectionMode); });
      $("sheet-toggle").addEventListener("click", openSheet);
      $("sheet-close").addEventListener("click", function () { closeSheet(true); });
      $("backdrop").addEventListener("click", function () { closeSheet(true); });
      $("submit-open").addEventListener("click", openSubmit);
      $("submit-open-2").addEventListener("click", openSubmit);
      $("submit-cancel").addEventListener("click", closeDialog);
      $("submit-confirm").addEventListener("click", confirmSubmit);
      $("fullscreen").addEventListener("click", function () {
        if (document.fullscreenElement) document.exitFullscreen();
        else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(function () { /* refused */ });
      });
      if (!document.fullscreenEnabled) $("fullscreen").hidden = true;
      document.addEventListener("keydown", onKey);
      window.addEventListener("online", function () {
        failures = 0;
        showSaveState();
        flush();
        sendSignals();
        scheduleHeartbeat(true);
      });
      window.addEventListener("offline", showSaveState);
      window.addEventListener("pagehide", function () {
        leaving = true;
        commitBlanks();
      });
      window.addEventListener("pageshow", function () { leaving = false; });
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "hidden") commitBlanks();
      });
      setInterval(tick, 250);
      watchConduct();
    }

    function start(paper) {
      $("loading").hidden = true;
      if (paper.state === "submitted" || paper.state === "ended") {
        finished("已交卷", ["本场考试已结束，答卷已提交。"]);
        return;
      }
      items = paper.items || [];
      sections = paper.sections || [];
      items.forEach(function (item) {
        byN[item.n] = item;
        var server = (paper.answers || {})[String(item.n)] || {};
        answers[item.n] = { response: server.response === undefined ? null : server.response, flagged: !!server.flagged };
      });
      // Unsent local changes are newer than anything the server has.
      store.pending.sort(function (a, b) { return a.seq - b.seq; });
      store.pending = store.pending.filter(function (entry) { return byN[entry.n]; });
      store.pending.forEach(function (entry) {
        if ("response" in entry) answers[entry.n].response = entry.response;
        if ("flagged" in entry) answers[entry.n].flagged = !!entry.flagged;
      });
      store.seq = Math.max(store.seq, paper.last_seq || 0);
      saveStore();

      var holder = $("items");
      items.forEach(function (item) { holder.appendChild(buildItem(item)); });
      buildSheet();
      items.forEach(function (item) { paint(item.n); });
      $("paper").hidden = false;
      $("sheet").hidden = false;
      $("bottom-bar").hidden = false;
      if (paper.exam) $("exam-name").textContent = paper.exam;
      if (paper.candidate) {
        var whoLine = $("who");
        whoLine.textContent = "";
        whoLine.appendChild(el("span", { className: "nobr", text: "考生：" + paper.candidate }));
        if (paper.seat) whoLine.appendChild(el("span", { className: "nobr", text: "座位号：" + paper.seat }));
      }

      var view = loadView();
      var first = items.filter(function (item) { return !isAnswered(item); })[0] || items[0];
      if (view && byN[view.n]) current = view.n;
      else if (first) current = first.n;
      if (!items.length) {
        $("loading").hidden = false;
        $("loading").textContent = "试卷中没有题目，请举手联系监考员。";
        return;
      }
      setSectionMode(!!(view && view.section));
      fromServer({ data: paper, sent: paper.__sent, received: paper.__received });
      if (paper.paused) setPaused(true);
      showSaveState();
      flush();
      scheduleHeartbeat();
    }

    function loadPaper(attempt) {
      var handed = attempt === 1 ? takeHanded() : null;
      if (handed) {
        handed.__sent = handed.__received = performance.now();
        start(handed);
        return;
      }
      call("GET", "/paper").then(function (response) {
        if (sessionGone(response.status)) { $("loading").hidden = true; sessionEnded(); return; }
        if (response.status === 422 || response.status === 409) {
          // Not started yet, or over: the attempt's own page shows which.
          leaving = true;
          location.replace(ATTEMPT_URL);
          return;
        }
        if (!response.ok || !response.data) throw new Error("paper " + response.status);
        response.data.__sent = response.sent;
        response.data.__received = response.received;
        start(response.data);
      }).catch(function () {
        $("loading").textContent = "网络不稳定，正在重新加载试卷…（已作答的内容保存在本机，不会丢失）";
        setTimeout(function () { loadPaper(attempt + 1); }, Math.min(5000, 1000 * attempt));
      });
    }

    wire();
    showSaveState();
    loadPaper(1);
  }
})();
