/*
 * Print desk: while certificates are being generated, poll the wave's small JSON endpoint and
 * update the progress bar, the counters and each row's state; reload once everything is done so
 * that the print buttons appear. No inline script: loaded as a static file.
 */
(function () {
  "use strict";

  var INTERVAL = 1500;

  function update(root, data) {
    var bar = root.querySelector("#cert-progress");
    if (bar) {
      bar.max = Math.max(data.total, 1);
      bar.value = data.ready;
      bar.textContent = data.ready + " / " + data.total;
    }
    var label = root.querySelector("[data-progress-label]");
    if (label) {
      label.textContent = data.ready + " / " + data.total + " (" + data.percent + " %)";
    }
    var counts = { ready: data.ready, waiting: data.pending + data.rendering, failed: data.failed, signed: data.signed };
    Object.keys(counts).forEach(function (key) {
      var element = root.querySelector('[data-count="' + key + '"]');
      if (element) {
        element.textContent = counts[key];
      }
    });
    var failedBox = root.querySelector("[data-failed-box]");
    if (failedBox) {
      failedBox.classList.toggle("cert-alert", data.failed > 0);
    }
    data.rows.forEach(function (row) {
      var tr = root.querySelector('tr[data-handover-id="' + row.id + '"]');
      if (!tr) {
        return;
      }
      var state = tr.querySelector("[data-state]");
      if (state) {
        state.textContent = row.label;
        state.className = "cert-state cert-" + row.state;
      }
      var wait = tr.querySelector("[data-wait]");
      if (wait) {
        wait.textContent = row.wait || "";
        wait.hidden = !row.wait;
      }
      var error = tr.querySelector("[data-error]");
      if (error) {
        error.textContent = row.error;
        error.hidden = !row.error;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-progress-url]");
    if (!root || root.getAttribute("data-done") === "true") {
      return;
    }
    var url = root.getAttribute("data-progress-url");
    var failures = 0;

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(response.status);
          }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          update(root, data);
          if (data.done) {
            window.location.reload();
          } else {
            window.setTimeout(poll, INTERVAL);
          }
        })
        .catch(function () {
          failures += 1;
          if (failures < 20) {
            window.setTimeout(poll, INTERVAL * 2);
          }
        });
    }
    window.setTimeout(poll, INTERVAL);
  });
})();
