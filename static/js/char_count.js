// A live character counter under every text field that has a length limit (data-maxlength, set by
// core.textlimits.TextLimitsMixin). The visible count follows each keystroke (on a one-line field, from 80 % of
// the limit); screen readers hear the same sentence through a polite live region, once the typing pauses (not at
// every character).
// The browser gets no maxlength: it would cut a pasted text silently; the server refuses a text too long.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "fr";
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  var number = window.Intl && Intl.NumberFormat ? new Intl.NumberFormat(lang) : null;

  function message(field, remaining) {
    var over = remaining < 0;
    var n = Math.abs(remaining);
    var form = plural ? plural.select(n) : (n > 1 ? "other" : "one");
    var key = "count" + (over ? "Over" : "Left") + (form === "one" ? "One" : "Other");
    var text = field.dataset[key] || "";
    return text.replace("{n}", number ? number.format(n) : String(n));
  }

  // As the server counts: characters, not UTF-16 units (an emoji is one), and a line break sent as CR LF (two).
  function length(value) {
    return Array.from(value.replace(/\r?\n/g, "\r\n")).length;
  }

  function setUp(field) {
    var limit = parseInt(field.dataset.maxlength, 10);
    if (!limit || !field.id) { return; }
    var shown = document.createElement("div");
    shown.className = "char-count";
    shown.id = field.id + "_count";
    var announced = document.createElement("div");
    announced.className = "visually-hidden";
    announced.setAttribute("aria-live", "polite");
    var place = field.parentNode;
    // After the field's help and errors, where people look once they have typed.
    var after = field;
    while (after.nextElementSibling && /(form-text|invalid-feedback|char-count)/.test(after.nextElementSibling.className)) {
      after = after.nextElementSibling;
    }
    place.insertBefore(shown, after.nextSibling);
    place.insertBefore(announced, shown.nextSibling);
    var described = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    described.push(shown.id);
    field.setAttribute("aria-describedby", described.join(" "));

    var timer = null;
    function update(announce) {
      var remaining = limit - length(field.value);
      var text = message(field, remaining);
      shown.textContent = text;
      shown.classList.toggle("is-over", remaining < 0);
      // A one-line field (a name, an address) shows its count only near the limit: its help already says it.
      shown.hidden = field.tagName !== "TEXTAREA" && remaining > limit * 0.2;
      if (announce && !shown.hidden) {
        clearTimeout(timer);
        timer = setTimeout(function () { announced.textContent = text; }, 1000);
      }
    }
    field.addEventListener("input", function () { update(true); });
    update(false);
  }

  function start() {
    var fields = document.querySelectorAll("textarea[data-maxlength], input[data-maxlength]");
    for (var i = 0; i < fields.length; i++) { setUp(fields[i]); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
