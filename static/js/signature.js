/*
 * Signature pads for the handover counter (no library, no inline script).
 *
 * Markup: an element with [data-signature-pad] containing a <canvas>, a hidden <input> that
 * receives the signature as a PNG data URL, a [data-signature-clear] button and an optional
 * [data-signature-status] element. Pointer events: works with a mouse, a finger or a pen
 * (the pen's pressure varies the line width). Also switches the form between « signed on
 * screen » and « signed on paper » ([data-mode-section] blocks, radios named "mode").
 */
(function () {
  "use strict";

  function SignaturePad(root) {
    this.root = root;
    this.canvas = root.querySelector("canvas");
    this.input = root.querySelector("input[type=hidden]");
    this.status = root.querySelector("[data-signature-status]");
    this.ctx = this.canvas.getContext("2d");
    this.drawing = false;
    this.pointerId = null;
    this.last = null;
    this.dirty = false;
    this.resize();
    this.restore();
    this.bind();
  }

  SignaturePad.prototype.ratio = function () {
    return Math.max(window.devicePixelRatio || 1, 1);
  };

  SignaturePad.prototype.resize = function () {
    var rect = this.canvas.getBoundingClientRect();
    var ratio = this.ratio();
    var width = Math.max(Math.round(rect.width * ratio), 1);
    var height = Math.max(Math.round(rect.height * ratio), 1);
    if (this.canvas.width === width && this.canvas.height === height) {
      return;
    }
    var previous = this.dirty ? this.canvas.toDataURL("image/png") : null;
    this.canvas.width = width;
    this.canvas.height = height;
    this.ctx.lineCap = "round";
    this.ctx.lineJoin = "round";
    this.ctx.strokeStyle = "#10243e";
    if (previous) {
      this.drawImage(previous);
    }
  };

  SignaturePad.prototype.drawImage = function (url) {
    var self = this;
    var image = new Image();
    image.onload = function () {
      self.ctx.drawImage(image, 0, 0, self.canvas.width, self.canvas.height);
    };
    image.src = url;
  };

  // After a form error, the page comes back with the signature in the hidden input: show it again.
  SignaturePad.prototype.restore = function () {
    if (this.input && this.input.value.indexOf("data:image/png;base64,") === 0) {
      this.drawImage(this.input.value);
      this.dirty = true;
      this.setStatus(true);
    }
  };

  SignaturePad.prototype.point = function (event) {
    var rect = this.canvas.getBoundingClientRect();
    var ratio = this.canvas.width / rect.width;
    var pressure = event.pointerType === "pen" && event.pressure > 0 ? event.pressure : 0.5;
    return {
      x: (event.clientX - rect.left) * ratio,
      y: (event.clientY - rect.top) * ratio,
      width: (event.pointerType === "pen" ? 1 + pressure * 3 : 2.4) * ratio,
    };
  };

  SignaturePad.prototype.segment = function (to) {
    var from = this.last || to;
    this.ctx.beginPath();
    this.ctx.lineWidth = (from.width + to.width) / 2;
    this.ctx.moveTo(from.x, from.y);
    // A quadratic curve through the midpoint smooths the stroke between two samples.
    var midX = (from.x + to.x) / 2;
    var midY = (from.y + to.y) / 2;
    this.ctx.quadraticCurveTo(from.x, from.y, midX, midY);
    this.ctx.lineTo(to.x, to.y);
    this.ctx.stroke();
    this.last = to;
  };

  SignaturePad.prototype.bind = function () {
    var self = this;
    var canvas = this.canvas;

    canvas.addEventListener("pointerdown", function (event) {
      if (event.button !== undefined && event.button > 0) {
        return;
      }
      event.preventDefault();
      self.drawing = true;
      self.pointerId = event.pointerId;
      try {
        // Keep receiving the stroke when the finger or pen slides out of the frame.
        canvas.setPointerCapture(event.pointerId);
      } catch (error) {
        // Not capturable (synthetic or already released pointer): draw without capture.
      }
      self.last = null;
      var start = self.point(event);
      self.segment(start);
      self.dirty = true;
    });

    canvas.addEventListener("pointermove", function (event) {
      if (!self.drawing || event.pointerId !== self.pointerId) {
        return;
      }
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      if (!events.length) {
        events = [event];
      }
      for (var i = 0; i < events.length; i++) {
        self.segment(self.point(events[i]));
      }
    });

    function end(event) {
      if (!self.drawing || event.pointerId !== self.pointerId) {
        return;
      }
      self.drawing = false;
      self.pointerId = null;
      self.last = null;
      self.save();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("lostpointercapture", end);

    var clear = this.root.querySelector("[data-signature-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        self.clear();
      });
    }
    window.addEventListener("resize", function () {
      self.resize();
    });
  };

  SignaturePad.prototype.save = function () {
    if (this.input) {
      this.input.value = this.dirty ? this.canvas.toDataURL("image/png") : "";
    }
    this.setStatus(this.dirty);
  };

  SignaturePad.prototype.clear = function () {
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.dirty = false;
    this.save();
  };

  SignaturePad.prototype.setStatus = function (signed) {
    this.root.classList.toggle("signed", signed);
    if (this.status) {
      this.status.textContent = signed ? this.status.dataset.signedText : this.status.dataset.emptyText;
    }
  };

  function switchMode(form) {
    var checked = form.querySelector("input[name=mode]:checked");
    var mode = checked ? checked.value : "screen";
    var sections = form.querySelectorAll("[data-mode-section]");
    for (var i = 0; i < sections.length; i++) {
      sections[i].hidden = sections[i].getAttribute("data-mode-section") !== mode;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var pads = document.querySelectorAll("[data-signature-pad]");
    for (var i = 0; i < pads.length; i++) {
      pads[i].signaturePad = new SignaturePad(pads[i]);
    }
    var radios = document.querySelectorAll("input[name=mode]");
    if (radios.length) {
      var form = radios[0].form;
      for (var j = 0; j < radios.length; j++) {
        radios[j].addEventListener("change", function () {
          switchMode(form);
          // A pad hidden at load time has no size yet: size it now that it shows.
          for (var k = 0; k < pads.length; k++) {
            pads[k].signaturePad.resize();
          }
        });
      }
      switchMode(form);
    }
  });
})();
