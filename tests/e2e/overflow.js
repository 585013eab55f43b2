// What sticks out of the window, for tests/e2e/test_phone_layout.py: the outermost elements outside the window
// (their parent is inside it), the deepest elements whose content is wider than their box (a long word, a pasted
// URL), and the table cells outside the screen (hidden in a box that scrolls sideways).
() => {
  const width = window.innerWidth;
  const describe = (el) => {
    const r = el.getBoundingClientRect();
    const cls = (typeof el.className === "string" && el.className.trim()) ? "." + el.className.trim().split(/\s+/).join(".") : "";
    const text = (el.innerText || el.value || "").replace(/\s+/g, " ").trim().slice(0, 60);
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${cls} [${Math.round(r.left)}..${Math.round(r.right)}px] "${text}"`;
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) return false;
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none";
  };
  // Visually hidden (a 1 px clipped box, as a table head on a phone): read aloud, never on screen.
  const clipped = (el) => {
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      const r = a.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1) return true;
    }
    return false;
  };
  const outside = (el) => { const r = el.getBoundingClientRect(); return r.right > width + 0.5 || r.left < -0.5; };
  const culprits = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!visible(el) || !outside(el)) continue;
    const parent = el.parentElement;
    if (parent && parent !== document.body && outside(parent)) continue;
    culprits.push(describe(el));
  }
  // Content wider than its own box (a long word, a pasted URL): the deepest such element.
  const spilling = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!visible(el) || getComputedStyle(el).overflowX !== "visible") continue;
    if (el.scrollWidth > el.clientWidth + 1 && el.getBoundingClientRect().left + el.scrollWidth > width + 0.5) spilling.push(el);
  }
  for (const el of spilling) {
    if (!spilling.some((other) => other !== el && el.contains(other))) culprits.push(describe(el) + " (content wider than its box)");
  }
  const hiddenCells = [];
  for (const cell of document.querySelectorAll("main td, main th")) {
    if (visible(cell) && !clipped(cell) && outside(cell)) hiddenCells.push(describe(cell));
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: width,
    culprits: culprits.slice(0, 8),
    hiddenCells: hiddenCells.slice(0, 8),
  };
}
