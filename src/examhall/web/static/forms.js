/* What every form does before it is sent, so that no page needs a script of its own:

   - data-confirm="TEXT" (data-confirm-title, data-confirm-button optional): a modal dialog says
     what will happen, with 确认 / 取消; 取消 sends nothing.
   - every POST form, and any form with data-busy="TEXT": once sent, its submit buttons are
     disabled and TEXT (default 正在提交，请稍候…) is shown, so it cannot be sent twice.
     data-busy="off" opts a form out (one whose answer is a download, not a page).
   - a form with a chosen file is sent with XMLHttpRequest to show the upload's progress, then
     the page becomes the server's answer, as after an ordinary submit.

   A page's own script that handles a form itself (calls preventDefault) is left alone. */
(function () {
  "use strict";

  var DEFAULT_BUSY = "正在提交，请稍候…";
  var confirmed = new WeakSet();
  var sending = new WeakSet();

  function isPost(form) {
    return (form.getAttribute("method") || "get").toLowerCase() === "post";
  }

  function busyText(form) {
    var text = form.getAttribute("data-busy");
    if (text === "off") return null;
    if (text) return text;
    return isPost(form) ? DEFAULT_BUSY : null;
  }

  function submitButtons(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return (el.tagName === "BUTTON" && (el.type || "submit") === "submit") ||
        (el.tagName === "INPUT" && (el.type === "submit" || el.type === "image"));
    });
  }

  function status(form) {
    var box = form.querySelector("[data-busy-status]");
    if (!box) {
      box = document.createElement("p");
      box.className = "busy-status";
      box.setAttribute("data-busy-status", "");
      form.appendChild(box);
    }
    box.setAttribute("role", "status");
    box.setAttribute("aria-live", "polite");
    return box;
  }

  function setStatus(form, text, kind) {
    var box = status(form);
    box.textContent = text;
    box.className = "busy-status" + (kind ? " " + kind : "");
    box.hidden = !text;
    return box;
  }

  function lock(form, text) {
    sending.add(form);
    form.setAttribute("aria-busy", "true");
    /* Disabled only after the browser has read the form: a disabled submitter is left out of
       what is sent, and some buttons carry the choice (name=value). */
    setTimeout(function () {
      submitButtons(form).forEach(function (button) { button.disabled = true; });
    }, 0);
    setStatus(form, text, "busy");
  }

  function unlock(form) {
    sending.delete(form);
    form.removeAttribute("aria-busy");
    submitButtons(form).forEach(function (button) { button.disabled = false; });
  }

  /* ---- confirmation ---- */

  var dialog = null;

  function confirmDialog() {
    if (dialog) return dialog;
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.innerHTML =
      '<h2 id="confirm-dialog-title"></h2><p class="confirm-text"></p>' +
      '<div class="confirm-buttons"><button type="button" value="ok" class="confirm-ok"></button>' +
      '<button type="button" value="cancel" class="secondary confirm-cancel">取消</button></div>';
    document.body.appendChild(dialog);
    return dialog;
  }

  function askThenSubmit(form, submitter) {
    var box = confirmDialog();
    box.querySelector("h2").textContent = form.getAttribute("data-confirm-title") || "请确认";
    box.querySelector(".confirm-text").textContent = form.getAttribute("data-confirm");
    var ok = box.querySelector(".confirm-ok");
    var cancel = box.querySelector(".confirm-cancel");
    ok.textContent = form.getAttribute("data-confirm-button") || "确认";
    ok.className = "confirm-ok" + (form.hasAttribute("data-confirm-danger") ? " danger" : "");

    function finish(go) {
      ok.removeEventListener("click", onOk);
      cancel.removeEventListener("click", onCancel);
      box.removeEventListener("cancel", onCancel);
      box.close();
      if (go) {
        confirmed.add(form);
        if (submitter && submitter.form === form) form.requestSubmit(submitter);
        else form.requestSubmit();
        confirmed.delete(form);
      } else if (submitter && typeof submitter.focus === "function") {
        submitter.focus();
      }
    }
    function onOk() { finish(true); }
    function onCancel(event) { event.preventDefault(); finish(false); }

    ok.addEventListener("click", onOk);
    cancel.addEventListener("click", onCancel);
    box.addEventListener("cancel", onCancel);
    box.showModal();
    cancel.focus();
  }

  /* Capture, so the question comes before any other handler of the form. */
  window.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    if (confirmed.has(form)) {
      confirmed.delete(form);
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    if (!sending.has(form)) askThenSubmit(form, event.submitter);
  }, true);

  /* ---- sent once, with progress ---- */

  function hasChosenFile(form) {
    return Array.prototype.some.call(form.elements, function (el) {
      return el.type === "file" && el.files && el.files.length > 0;
    });
  }

  function progressBar(form) {
    var bar = form.querySelector("progress.upload-progress");
    if (!bar) {
      bar = document.createElement("progress");
      bar.className = "upload-progress";
      bar.max = 100;
      status(form).before(bar);
    }
    return bar;
  }

  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(1);
  }

  function showAnswer(xhr, action) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("text/html") !== 0) return false;
    if (xhr.responseURL && xhr.responseURL !== action) {
      history.replaceState(null, "", xhr.responseURL);
    }
    document.open();
    document.write(xhr.responseText);
    document.close();
    return true;
  }

  function answerMessage(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.message) return body.message;
    } catch (ignored) { /* not JSON */ }
    return "服务器未能处理（状态 " + xhr.status + "），请稍后重试";
  }

  function upload(form, submitter, text) {
    var action = (submitter && submitter.hasAttribute("formaction")) ? submitter.formAction : form.action;
    var data = new FormData(form, submitter || undefined);
    var bar = progressBar(form);
    var xhr = new XMLHttpRequest();
    bar.hidden = false;
    bar.value = 0;
    lock(form, text + "（正在上传 0%）");

    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) return;
      var percent = Math.floor((event.loaded / event.total) * 100);
      bar.value = percent;
      setStatus(form, text + "（正在上传 " + percent + "%，" + megabytes(event.loaded) + " / " +
        megabytes(event.total) + " MB）", "busy");
    });
    xhr.upload.addEventListener("load", function () {
      bar.removeAttribute("value");  /* indeterminate: the server is reading the file */
      setStatus(form, "文件已上传，服务器正在检查，请勿关闭页面…（大文件可能需要数十秒）", "busy");
    });
    xhr.addEventListener("load", function () {
      if (showAnswer(xhr, action)) return;
      bar.hidden = true;
      unlock(form);
      setStatus(form, answerMessage(xhr), "bad");
    });
    function failed(message) {
      bar.hidden = true;
      unlock(form);
      setStatus(form, message, "bad");
    }
    xhr.addEventListener("error", function () { failed("上传失败：无法连接服务器，请检查网络后重试。"); });
    xhr.addEventListener("abort", function () { failed("上传已中断，请重试。"); });
    xhr.open("POST", action);
    xhr.setRequestHeader("Accept", "text/html");
    xhr.send(data);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    if (form.target && form.target !== "_self") return;
    var text = busyText(form);
    if (text === null) return;
    if (sending.has(form)) {
      event.preventDefault();
      return;
    }
    if (isPost(form) && hasChosenFile(form) && typeof XMLHttpRequest === "function") {
      event.preventDefault();
      upload(form, event.submitter, text);
      return;
    }
    lock(form, text);
  });

  /* A page come back from the browser's back/forward cache is usable again. */
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    Array.prototype.forEach.call(document.forms, function (form) {
      unlock(form);
      var box = form.querySelector("[data-busy-status]");
      if (box) box.hidden = true;
    });
  });
})();
