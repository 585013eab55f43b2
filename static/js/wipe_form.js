// Show the fields of a wipe or of an exemption, according to the chosen type.
(function () {
  const wipeFields = ["method", "tool", "tool_version", "result", "report_reference"];
  const exemptionFields = ["exemption", "exemption_reason"];
  function update() {
    const checked = document.querySelector("input[name=kind]:checked");
    const kind = checked ? checked.value : "wipe";
    wipeFields.forEach((n) => { const row = document.querySelector(".field-" + n); if (row) row.hidden = kind !== "wipe"; });
    exemptionFields.forEach((n) => { const row = document.querySelector(".field-" + n); if (row) row.hidden = kind !== "exemption"; });
  }
  document.querySelectorAll("input[name=kind]").forEach((el) => el.addEventListener("change", update));
  update();
})();
