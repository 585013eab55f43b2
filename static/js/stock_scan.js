/* The stock's scan page: the field keeps the focus for a USB scanner (it types the code then Enter, which sends
   the form); the camera reads the label's QR code with jsQR (static/vendor/jsqr) and sends what it read the same
   way. ``window.stockScan.decoded(text)`` is the one door for a code read by the camera (tests call it too);
   ``window.stockScan.scanImageData(imageData)`` decodes one frame. */
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form) return;
  var input = document.getElementById("scan-code");
  var camera = form.querySelector(".scan-camera");
  var start = document.getElementById("scan-camera-start");
  var stop = document.getElementById("scan-camera-stop");
  var statusLine = document.getElementById("scan-camera-status");
  var video = document.getElementById("scan-video");
  var canvas = document.createElement("canvas");
  var stream = null;
  var sent = false;

  function send(text) {
    if (sent) return;
    sent = true;
    input.value = text;
    stopCamera();
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function decoded(text) {
    text = (text || "").trim();
    if (text) send(text);
  }

  function scanImageData(imageData) {
    if (typeof window.jsQR !== "function") return null;
    var found = window.jsQR(imageData.data, imageData.width, imageData.height, { inversionAttempts: "attemptBoth" });
    if (found && found.data) {
      decoded(found.data);
      return found.data;
    }
    return null;
  }

  function say(text) { statusLine.textContent = text; }

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  }

  function tick() {
    if (!stream) return;
    if (video.readyState === video.HAVE_ENOUGH_DATA && video.videoWidth) {
      // Frames are read at most 640 px wide: enough for a label held in front of the lens, light on a phone.
      var scale = Math.min(1, 640 / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      if (scanImageData(context.getImageData(0, 0, canvas.width, canvas.height))) return;
    }
    window.requestAnimationFrame(tick);
  }

  function startCamera() {
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(camera.dataset.noCamera);
      input.focus();
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (media) {
      stream = media;
      video.srcObject = media;
      video.hidden = false;
      start.hidden = true;
      stop.hidden = false;
      say(camera.dataset.looking);
      video.play();
      window.requestAnimationFrame(tick);
    }).catch(function (error) {
      say(error && error.name === "NotAllowedError" ? camera.dataset.denied : camera.dataset.noCamera);
      input.focus();
    });
  }

  start.addEventListener("click", startCamera);
  stop.addEventListener("click", function () { stopCamera(); say(""); input.focus(); });
  // A scanner types wherever the focus is: the field takes it back after any click that is not on a control.
  document.addEventListener("click", function (event) {
    if (!event.target.closest("a, button, input, select, textarea, label, video")) input.focus();
  });
  window.addEventListener("pagehide", stopCamera);
  input.focus();
  window.stockScan = { decoded: decoded, scanImageData: scanImageData };
})();
