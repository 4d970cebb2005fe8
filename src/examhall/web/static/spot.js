/* A worker's spot quiz (现场抽考) on a phone. The server's clock is the only clock; every change
   gets the next number and waits in an outbox in localStorage (by worker) until the server has
   it, so a dropped network or a reload loses nothing. */
(function () {
  "use strict";

  var root = document.getElementById("quiz");
  if (!root || !window.examhallApi) return;
  var API = "/api/v1/spotchecks/quiz/" + encodeURIComponent(root.getAttribute("data-worker"));
  var KEY = "examhall.spot." + root.getAttribute("data-worker");
  var RETRY_MS = 2500, POLL_MS = 15000;
  var TYPES = { true_false: "判断题", single_choice: "单选题", multiple_choice: "多选题" };
  var OFFLINE = "未联网，答案已暂存在本机，恢复后自动提交";

  function $(id) { return document.getElementById(id); }
  function call(method, path, payload) { return window.examhallApi.call(method, API + path, payload); }

  var store = load();
  var items = [], answers = {}, saved = {}, buttons = {};
  var state = "", failures = 0, sending = false, timeWasUp = false;
  var timer = null, poller = null, flushTimer = null;
  var remaining = null, at = 0, lastSent = -1;

  function load() {
    try {
      var value = JSON.parse(localStorage.getItem(KEY) || "null");
      if (value && typeof value.seq === "number" && Array.isArray(value.pending)) return value;
    } catch (e) { /* unreadable or storage off: start empty */ }
    return { seq: 0, pending: [], submit: false };
  }
  function keep() { try { localStorage.setItem(KEY, JSON.stringify(store)); } catch (e) { /* memory only */ } }
  function forget() { try { localStorage.removeItem(KEY); } catch (e) { /* storage off */ } }

  function same(a, b) { return (a === undefined ? null : a) === (b === undefined ? null : b); }
  function pendingFor(n) { return store.pending.some(function (e) { return e.n === n; }); }

  /* Every reply that carries the time goes through here; an older request answered late is not. */
  function sync(response) {
    var data = response.data;
    if (!data || typeof data.remaining_seconds !== "number" || response.sent < lastSent) return;
    lastSent = response.sent;
    remaining = data.remaining_seconds;
    at = response.received;
  }
  function left() { return remaining === null ? null : Math.max(0, remaining - (performance.now() - at) / 1000); }

  function tick() {
    var s = left();
    if (s === null) return;
    var whole = Math.ceil(s);
    $("clock").textContent = Math.floor(whole / 60) + ":" + (whole % 60 < 10 ? "0" : "") + (whole % 60);
    $("timer").classList.toggle("low", whole <= 60);
    if (whole <= 0 && state === "running") timeUp(false);
  }

  function showSave() {
    var box = $("save"), text, kind;
    if (state === "over") { text = "时间到"; kind = "bad"; }
    else if (store.pending.length && (failures || !navigator.onLine)) { text = OFFLINE; kind = "warn"; }
    else if (store.pending.length || sending) { text = "正在保存…"; kind = "busy"; }
    else { text = Object.keys(saved).length ? "已保存" : "点选答案即自动保存"; kind = "ok"; }
    if (store.submit && state === "running") {
      var cut = failures || !navigator.onLine;
      text = cut ? OFFLINE : "正在交卷…";
      kind = cut ? "warn" : "busy";
    }
    box.textContent = text;
    box.className = "save " + kind;
    var done = items.filter(function (item) { return answers[item.n] !== null && answers[item.n] !== undefined; }).length;
    $("count").textContent = "已答 " + done + "/" + items.length;
    $("submit-form").setAttribute("data-confirm", (done < items.length ? "还有 " + (items.length - done) + " 题未答。" : "") + "交卷后不能再修改答案。");
    items.forEach(function (item) {
      var mark = buttons[item.n].mark;
      var lost = state === "over" && pendingFor(item.n);
      mark.textContent = lost ? "未计入" : pendingFor(item.n) ? "待发送" : saved[item.n] !== undefined && saved[item.n] !== null ? "已保存" : "";
      mark.className = "mark" + (lost ? " bad" : pendingFor(item.n) ? " warn" : " ok");
    });
  }

  function paint(n) {
    var value = answers[n];
    buttons[n].choices.forEach(function (button) {
      var v = button.getAttribute("data-value");
      var on = v === "true" || v === "false" ? String(value) === v : typeof value === "string" && value.indexOf(v) !== -1;
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  function change(item, value) {
    if (state !== "running" || store.submit) return;
    var response = value;
    if (item.type === "multiple_choice") {
      var chosen = (answers[item.n] || "").split("").filter(Boolean);
      chosen = chosen.indexOf(value) === -1 ? chosen.concat([value]) : chosen.filter(function (c) { return c !== value; });
      response = chosen.sort().join("") || null;
    }
    answers[item.n] = response;
    store.seq += 1;
    store.pending = store.pending.filter(function (e) { return e.n !== item.n; });
    store.pending.push({ seq: store.seq, n: item.n, response: response });
    keep();
    paint(item.n);
    flush();
  }

  function build() {
    var list = $("items");
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "item";
      li.id = "item-" + item.n;
      var head = document.createElement("p");
      head.className = "head";
      head.textContent = "第 " + item.n + " 题 · " + (TYPES[item.type] || "") + (item.type === "multiple_choice" ? "（可选多项）" : "");
      var mark = document.createElement("span");
      head.appendChild(mark);
      var stem = document.createElement("p");
      stem.className = "stem";
      stem.textContent = item.stem;
      var group = document.createElement("div");
      group.className = "choices" + (item.type === "true_false" ? " tf" : "");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "第 " + item.n + " 题的选项");
      var options = item.type === "true_false"
        ? [{ value: "true", label: "√", text: "正确" }, { value: "false", label: "×", text: "错误" }]
        : item.options.map(function (o) { return { value: o.label, label: o.label, text: o.text }; });
      var choices = options.map(function (o) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "choice";
        button.setAttribute("data-value", o.value);
        button.innerHTML = '<span class="label"></span><span class="text"></span>';
        button.firstChild.textContent = o.label;
        button.lastChild.textContent = o.text;
        button.addEventListener("click", function () {
          change(item, o.value === "true" ? true : o.value === "false" ? false : o.value);
        });
        group.appendChild(button);
        return button;
      });
      li.appendChild(head);
      li.appendChild(stem);
      li.appendChild(group);
      list.appendChild(li);
      buttons[item.n] = { choices: choices, mark: mark };
      paint(item.n);
    });
  }

  function enable(on) {
    items.forEach(function (item) { buttons[item.n].choices.forEach(function (b) { b.disabled = !on; }); });
    $("submit").disabled = !on;
  }

  /* The server's view of the quiz: what is saved there, and the outbox laid over it. */
  function show(response) {
    var data = response.data;
    sync(response);
    $("loading").hidden = true;
    if (!items.length) {
      items = data.items;
      store.seq = Math.max(store.seq, data.last_seq);
      store.pending = store.pending.filter(function (e) { return e.seq > data.last_seq; });
      keep();
    }
    saved = {};
    Object.keys(data.saved || {}).forEach(function (n) { saved[n] = data.saved[n]; });
    answers = {};
    items.forEach(function (item) { answers[item.n] = saved[item.n]; });
    store.pending.forEach(function (e) { answers[e.n] = e.response; });
    if (data.state === "submitted") return finished(data);
    if (data.state === "time_over") return timeUp(true);
    if (data.state === "ready") { $("intro").hidden = false; return; }
    $("intro").hidden = true;
    if (state !== "running" && state !== "over") {
      state = "running";
      build();
      ["bar", "items", "submit-form"].forEach(function (id) { $(id).hidden = false; });
      timer = setInterval(tick, 500);
      poller = setInterval(read, POLL_MS);
    } else {
      items.forEach(function (item) { paint(item.n); });
    }
    if (state === "over" && data.remaining_seconds > 0) state = "running";  // this phone's clock ran ahead
    if (state === "over") later(read);
    enable(state === "running" && !store.submit);
    tick();
    showSave();
    flush();
  }

  function finished(data) {
    state = "submitted";
    clearInterval(timer);
    clearInterval(poller);
    var lost = (data.items || items).filter(function (item) {
      var here = answers[item.n];
      return here !== undefined && here !== null && !same(here, (data.saved || {})[String(item.n)]);
    }).map(function (item) { return item.n; });
    forget();
    ["intro", "bar", "items", "submit-form", "problem", "loading"].forEach(function (id) { $(id).hidden = true; });
    $("done").hidden = false;
    $("done-title").textContent = timeWasUp ? "时间到，已交卷" : "已交卷";
    if (lost.length) {
      $("lost").hidden = false;
      $("lost").textContent = "第 " + lost.join("、") + " 题的答案未能在时间内送达服务器，未计入成绩。";
    }
  }

  function problem(text) { $("problem").hidden = !text; $("problem").textContent = text || ""; }

  function read() {
    return call("GET", "").then(function (response) {
      if (response.ok) { failures = 0; show(response); return; }
      if (response.status === 404) problem("本页已失效，请向执法人员说明。已作答的内容暂存在本机。");
    }, function () {
      failures += 1;
      if (!items.length) problem("未联网，正在重试…");
      if (state) showSave();
      if (state !== "running") later(read);  // while running, the poll and the outbox retry
    });
  }

  /* One timer for what is tried again, so that a long outage never piles up retries. */
  function later(what) {
    clearTimeout(flushTimer);
    flushTimer = setTimeout(what, RETRY_MS);
  }

  function flush() {
    if (sending || state !== "running") return;
    if (!store.pending.length) {
      showSave();
      if (store.submit && state === "running") submit();
      return;
    }
    sending = true;
    showSave();
    var batch = store.pending.slice();
    call("POST", "/answers", { entries: batch }).then(function (response) {
      sending = false;
      var data = response.data || {};
      if (response.ok) {
        failures = 0;
        problem("");
        sync(response);
        store.pending = store.pending.filter(function (e) {
          if (e.seq <= data.last_seq) saved[e.n] = e.response;
          return e.seq > data.last_seq;
        });
        keep();
        tick();
        return flush();
      }
      if (data.code === "time_over") return timeUp(true);
      if (response.status === 409 || response.status === 422) {
        // Refused for good (already submitted, the check closed, an answer it cannot take):
        // what the server holds is what counts.
        store.pending = store.pending.filter(function (e) { return batch.indexOf(e) === -1; });
        keep();
        problem(data.message || "");
        return read();
      }
      if (response.status === 404) return read();
      failures += 1;
      showSave();
      later(flush);
    }, function () {
      sending = false;
      failures += 1;
      showSave();
      later(flush);
    });
  }

  function submit() {
    if (sending) return;
    sending = true;
    showSave();
    call("POST", "/submit").then(function (response) {
      sending = false;
      if (response.ok) return show(response);
      if (response.status >= 500) { failures += 1; showSave(); return later(flush); }
      if (response.data && response.data.message) problem(response.data.message);
      store.submit = false;
      keep();
      read();
    }, function () { sending = false; failures += 1; showSave(); later(flush); });
  }

  /* The time is over on this phone: nothing more is taken here. Once the server agrees, it is
     asked to submit what it holds (what came in time); until then its clock is asked again. */
  function timeUp(confirmed) {
    if (state === "submitted") return;
    if (state === "running") enable(false);
    state = "over";
    timeWasUp = true;
    if (items.length && !$("bar").hidden) showSave();
    if (confirmed) closeOut();
    else later(read);
  }

  function closeOut() {
    call("POST", "/submit").then(function (response) {
      if (response.ok) return show(response);
      later(response.status === 404 ? read : closeOut);
    }, function () { later(closeOut); });
  }

  $("start").addEventListener("click", function () {
    var button = $("start");
    button.disabled = true;
    call("POST", "/start").then(function (response) {
      button.disabled = false;
      if (response.ok) { problem(""); return show(response); }
      problem((response.data && response.data.message) || "暂时无法开始，请再点一次。");
    }, function () {
      button.disabled = false;
      problem("未联网，请联网后再点“开始作答”。");
    });
  });

  $("submit-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (state !== "running" || store.submit) return;
    store.submit = true;
    keep();
    enable(false);
    flush();
  });

  window.addEventListener("online", function () { failures = 0; if (state === "over") read(); else flush(); });
  window.addEventListener("offline", function () { if (state) showSave(); });
  read();
})();
