// Keeps a sheet on the phone until the server confirms it, and retries when the network returns.
// The sheet id is made here, once, so a retry of the same sheet is counted once by the server.
(function () {
  "use strict";
  var form = document.getElementById("sheet");
  if (!form || !window.fetch || !window.JSON || !window.localStorage) {
    return; // the form still posts as a plain HTML form
  }
  var key = "jixiao-survey:" + form.getAttribute("data-token");
  var endpoint = form.getAttribute("data-endpoint");
  var statusBox = document.getElementById("status");
  var button = form.querySelector("button[type=submit]");
  var delay = 2000;
  var timer = null;
  var sending = false;
  var refusals = {
    "/problems/survey-closed": "调查已结束，无法再提交。",
    "/problems/survey-not-open": "调查尚未开始，请稍后再提交。",
    "/problems/invitation-used": "该邀请已经提交过答卷，每份邀请只能提交一次。",
    "/problems/invitation-invalid": "邀请码无效，请检查链接。",
    "/problems/survey-not-found": "调查不存在，请检查链接。",
    "/problems/sheet-conflict": "这份答卷已经提交过。"
  };

  function uuid4() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 15) | 64;
    bytes[8] = (bytes[8] & 63) | 128;
    var hex = "";
    for (var i = 0; i < 16; i++) {
      hex += (bytes[i] + 256).toString(16).slice(1);
      if (i === 3 || i === 5 || i === 7 || i === 9) { hex += "-"; }
    }
    return hex;
  }
  function read() {
    try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; }
  }
  function write() {
    try { localStorage.setItem(key, JSON.stringify(state)); } catch (e) { /* full or private */ }
  }
  function show(text, kind) {
    statusBox.textContent = text;
    statusBox.className = kind || "";
  }
  function lock(locked) {
    var fields = form.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].type !== "hidden") { fields[i].disabled = locked; }
    }
    button.textContent = locked ? "重新提交" : "提交";
  }
  function clearErrors() {
    var marked = form.querySelectorAll(".bad");
    for (var i = 0; i < marked.length; i++) { marked[i].classList.remove("bad"); }
    var texts = form.querySelectorAll(".err");
    for (var j = 0; j < texts.length; j++) { texts[j].textContent = ""; }
  }
  function showErrors(errors) {
    (errors || []).forEach(function (error) {
      var parts = String(error.path || "").split(".");
      var where = parts[1] === "answers" ? "q-" + parts.slice(2).join(".") :
        parts[1] === "header" ? "h-" + parts.slice(2).join(".") : "q-" + parts[1];
      var box = document.getElementById(where);
      if (!box) { return; }
      box.classList.add("bad");
      var text = box.querySelector(".err");
      if (text) {
        text.textContent = /required/.test(error.message) ? "此题为必答题。" : "答案无效，请重新填写。";
      }
    });
  }
  function collect() {
    var sheet = { id: state.id, answers: {}, header: {} };
    for (var i = 0; i < form.elements.length; i++) {
      var field = form.elements[i];
      if (!field.name || field.value === "" || ((field.type === "radio") && !field.checked)) {
        continue;
      }
      var value = field.getAttribute("data-int") ? parseInt(field.value, 10) : field.value;
      if (field.name.indexOf("a:") === 0) { sheet.answers[field.name.slice(2)] = value; }
      else if (field.name.indexOf("h:") === 0) { sheet.header[field.name.slice(2)] = value; }
      else if (field.name === "group" || field.name === "invitation") { sheet[field.name] = value; }
    }
    sheet.answered_at = new Date().toISOString();
    return sheet;
  }
  function done(body) {
    localStorage.removeItem(key);
    var box = document.createElement("div");
    box.className = "done";
    box.id = "done";
    box.textContent = "提交成功，感谢您的参与！答卷编号：" + String(body.id || state.id).slice(0, 8);
    form.parentNode.replaceChild(box, form);
  }
  function later() {
    show("网络不可用，答卷已保存在本手机上，恢复网络后会自动提交。", "offline");
    clearTimeout(timer);
    timer = setTimeout(send, delay);
    delay = Math.min(delay * 2, 30000);
  }
  function answered(status, body) {
    if (status === 200 || status === 201) { done(body); return; }
    if (status === 422 || refusals[body.type]) {
      state.pending = null;
      if (body.type === "/problems/sheet-conflict") { state.id = uuid4(); }
      write();
      lock(false);
      showErrors(body.errors);
      show(refusals[body.type] || "请检查标红的题目后再提交。", "error");
      return;
    }
    later(); // 5xx, 429, a gateway's 503 or 504: the server may come back
  }
  function send() {
    if (sending || !state.pending) { return; }
    sending = true;
    clearTimeout(timer);
    show("正在提交…", "busy");
    fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", "accept": "application/json" },
      body: JSON.stringify(state.pending),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        sending = false;
        answered(response.status, body);
      });
    }, function () {
      sending = false;
      later();
    });
  }

  var state = read() || { id: uuid4(), values: {}, pending: null };
  form.elements.id.value = state.id;
  Object.keys(state.values).forEach(function (name) {
    var field = form.elements[name];
    if (field) { field.value = state.values[name]; }
  });
  function remember(event) {
    var field = event.target;
    if (!field.name || state.pending || field.type === "hidden") { return; }
    state.values[field.name] = field.value;
    write();
  }
  form.addEventListener("change", remember);
  form.addEventListener("input", remember);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!state.pending) {
      clearErrors();
      state.pending = collect();
      write();
      lock(true);
    }
    delay = 2000;
    send();
  });
  window.addEventListener("online", function () { delay = 2000; send(); });
  if (state.pending) {
    lock(true);
    send();
  }
})();
