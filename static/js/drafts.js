// What a person types in a form marked data-draft="<key>" is kept in this browser (localStorage) until the
// form goes through, so that a session that expires meanwhile loses nothing: the login page says so, and
// the form is filled again after the login. Never passwords, files, hidden fields nor fields marked
// data-no-draft. Drafts older than a day, or of another account (the key names it), are never restored;
// signing out deletes them all (computers in associations are shared).
(function () {
  "use strict";
  var PREFIX = "portal-draft:";
  var PENDING = "portal-draft-pending"; // sessionStorage: the form just sent, until the next page says how it went
  var MAX_AGE = 24 * 3600 * 1000;

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  function tabStore() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }
  function read(key) {
    var s = store();
    if (!s) { return null; }
    try {
      var draft = JSON.parse(s.getItem(PREFIX + key) || "null");
      if (draft && Date.now() - draft.at < MAX_AGE) { return draft; }
      s.removeItem(PREFIX + key);
    } catch (e) { /* unreadable: treated as none */ }
    return null;
  }
  function remove(key) {
    var s = store();
    if (s) { s.removeItem(PREFIX + key); }
  }
  function allDrafts() {
    var s = store(), out = [];
    if (!s) { return out; }
    for (var i = 0; i < s.length; i++) {
      var name = s.key(i);
      if (name && name.indexOf(PREFIX) === 0) {
        var draft = read(name.slice(PREFIX.length));
        if (draft) { out.push(draft); }
      }
    }
    return out;
  }
  function kept(field) {
    if (!field.name || field.disabled || field.hasAttribute("data-no-draft")) { return false; }
    if (field.name === "csrfmiddlewaretoken") { return false; }
    var type = (field.type || "").toLowerCase();
    return ["password", "file", "hidden", "submit", "button", "reset", "image"].indexOf(type) === -1;
  }
  function snapshot(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!kept(field)) { return; }
      var type = (field.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") {
        values[field.name] = values[field.name] || [];
        if (field.checked) { values[field.name].push(field.value); }
      } else if (field.tagName === "SELECT" && field.multiple) {
        values[field.name] = Array.prototype.filter.call(field.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        values[field.name] = field.value;
      }
    });
    return values;
  }
  function save(form) {
    var s = store();
    if (!s) { return; }
    var action = new URL(form.getAttribute("action") || window.location.href, window.location.href).pathname;
    var draft = { at: Date.now(), path: window.location.pathname, action: action, values: snapshot(form) };
    try { s.setItem(PREFIX + form.dataset.draft, JSON.stringify(draft)); } catch (e) { /* full: not kept */ }
  }
  function restore(form, draft) {
    var changed = false;
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!kept(field) || !(field.name in draft.values)) { return; }
      var value = draft.values[field.name];
      var type = (field.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") {
        var on = value.indexOf(field.value) !== -1;
        if (field.checked !== on) { field.checked = on; changed = true; }
      } else if (field.tagName === "SELECT" && field.multiple) {
        Array.prototype.forEach.call(field.options, function (o) {
          var on = value.indexOf(o.value) !== -1;
          if (o.selected !== on) { o.selected = on; changed = true; }
        });
      } else if (typeof value === "string" && field.value !== value) {
        field.value = value;
        changed = true;
      }
    });
    return changed;
  }
  function notice(form) {
    var box = document.createElement("div");
    box.className = "alert alert-info d-flex flex-wrap align-items-center gap-2 draft-restored";
    box.setAttribute("role", "status");
    var text = document.createElement("span");
    text.textContent = form.dataset.draftRestored || "";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-secondary";
    button.textContent = form.dataset.draftForget || "";
    button.addEventListener("click", function () {
      remove(form.dataset.draft);
      window.location.reload();
    });
    box.appendChild(text);
    box.appendChild(button);
    form.parentNode.insertBefore(box, form);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var tab = tabStore();
    var pending = null;
    try { pending = JSON.parse((tab && tab.getItem(PENDING)) || "null"); } catch (e) { pending = null; }
    var loginNotice = document.querySelector("[data-session-notice]");
    var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-draft]"));

    if (loginNotice) {
      // The session ended: say so when something typed for the page to come back to is kept.
      var next = new URLSearchParams(window.location.search).get("next") || "";
      var nextPath = next ? new URL(next, window.location.href).pathname : "";
      if (pending) { pending.login = true; tab.setItem(PENDING, JSON.stringify(pending)); }
      if (nextPath && allDrafts().some(function (d) { return d.path === nextPath || d.action === nextPath; })) {
        loginNotice.hidden = false;
      }
      return;
    }
    if (pending && tab) {
      tab.removeItem(PENDING);
      var same = forms.filter(function (f) { return f.dataset.draft === pending.key; })[0];
      // Sent and not shown again with its errors, nor stopped by a login: it went through.
      if (!pending.login && !(same && same.hasAttribute("data-draft-bound"))) { remove(pending.key); }
    }
    forms.forEach(function (form) {
      var draft = read(form.dataset.draft);
      if (draft && !form.hasAttribute("data-draft-bound") && restore(form, draft)) { notice(form); }
      var timer = null;
      var later = function () { clearTimeout(timer); timer = setTimeout(function () { save(form); }, 300); };
      form.addEventListener("input", later);
      form.addEventListener("change", later);
      form.addEventListener("submit", function () {
        save(form);
        if (tab) { tab.setItem(PENDING, JSON.stringify({ key: form.dataset.draft, login: false })); }
      });
    });
    // Signing out on a shared computer leaves nothing typed behind.
    var script = document.querySelector("script[data-logout-url]");
    var logoutUrl = script ? new URL(script.dataset.logoutUrl, window.location.href).pathname : null;
    Array.prototype.forEach.call(document.querySelectorAll("form[action]"), function (form) {
      if (!logoutUrl || new URL(form.getAttribute("action"), window.location.href).pathname !== logoutUrl) { return; }
      form.addEventListener("submit", function () {
        var s = store();
        if (!s) { return; }
        for (var i = s.length - 1; i >= 0; i--) {
          var name = s.key(i);
          if (name && name.indexOf(PREFIX) === 0) { s.removeItem(name); }
        }
      });
    });
  });
})();
