() => {
  // The aligned view's behaviour (xling.render.html.view_js; the DOM contract is in html.py's docstring).
  // Event delegation on document: works on HTML that streaming replaces, needs no server round trip.
  if (window.__xlingView) return;
  window.__xlingView = true;
  const q = (v) => (window.CSS && CSS.escape) ? CSS.escape(v) : String(v).replace(/["\\]/g, "\\$&");
  let pinned = null;  // the clicked sentence element, kept active after the pointer leaves
  let current = null;  // {view, s}: the active bead, re-applied when streaming replaces the HTML
  function clear(root, cls) { root.querySelectorAll("." + cls).forEach((el) => el.classList.remove(cls)); }
  function viewOf(el) { const host = el.closest(".xl-doc").parentElement.closest("[id]"); return host ? host.id : null; }
  function find(state) {
    const root = (state.view && document.getElementById(state.view)) || document;
    return root.querySelector('.xl-doc .xl-s[data-s="' + q(state.s) + '"]');
  }
  function show(sentence) {
    document.querySelectorAll(".xl-doc .is-active").forEach((el) => el.classList.remove("is-active"));
    current = null;
    if (!sentence || !sentence.isConnected) return;
    const doc = sentence.closest(".xl-doc");
    current = { view: viewOf(sentence), s: sentence.dataset.s };
    doc.querySelectorAll('.xl-s[data-s="' + q(sentence.dataset.s) + '"]').forEach((el) => el.classList.add("is-active"));
  }
  // Streaming re-renders the view after every paragraph group: keep the highlight (and the pin) on the
  // same bead in the new HTML instead of dropping it until the pointer moves.
  let pending = false;
  new MutationObserver(() => {
    if (pending || !current) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      if (pinned && !pinned.isConnected) {
        const again = find({ view: pinned.__xlView, s: pinned.dataset.s });
        pinned = again;
        if (pinned) { pinned.__xlView = viewOf(pinned); pinned.classList.add("is-pinned"); }
      }
      const el = current && find(current);
      if (el && !el.classList.contains("is-active")) show(el);
    });
  }).observe(document.body, { childList: true, subtree: true });
  function light(root, id) {
    clear(root, "is-lit");
    if (id !== null) root.querySelectorAll('.xl-e[data-e="' + q(id) + '"]').forEach((el) => el.classList.add("is-lit"));
  }
  document.addEventListener("mouseover", (ev) => {
    const s = ev.target.closest && ev.target.closest(".xl-s[data-s]");
    if (s) show(s);
    const m = ev.target.closest && ev.target.closest(".xl-e[data-e], .xl-ent-row[data-entity]");
    const doc = ev.target.closest && ev.target.closest(".xl-doc");
    if (doc) light(doc, m ? (m.dataset.e !== undefined ? m.dataset.e : m.dataset.entity) : null);
  });
  document.addEventListener("mouseout", (ev) => {
    const s = ev.target.closest && ev.target.closest(".xl-s[data-s]");
    const into = ev.relatedTarget && ev.relatedTarget.closest && ev.relatedTarget.closest(".xl-s[data-s]");
    if (s && !into) show(pinned);
  });
  document.addEventListener("focusin", (ev) => {
    const s = ev.target.closest && ev.target.closest(".xl-s[data-s]");
    if (s) show(s);
  });
  document.addEventListener("click", (ev) => {
    if (!ev.target.closest) return;
    const s = ev.target.closest(".xl-s[data-s]");
    if (s) {
      if (pinned) pinned.classList.remove("is-pinned");
      pinned = (pinned === s) ? null : s;
      if (pinned) { pinned.classList.add("is-pinned"); pinned.__xlView = viewOf(pinned); }
      show(pinned || s);
      return;
    }
    const button = ev.target.closest(".xl-issue[data-issue]");
    if (button) {
      const doc = button.closest(".xl-doc");
      const on = button.getAttribute("aria-pressed") !== "true";
      doc.querySelectorAll(".xl-issue[aria-pressed=true]").forEach((b) => b.setAttribute("aria-pressed", "false"));
      clear(doc, "is-flagged");
      if (on) {
        button.setAttribute("aria-pressed", "true");
        const hits = doc.querySelectorAll('.xl-i[data-i~="' + q(button.dataset.issue) + '"]');
        hits.forEach((el) => el.classList.add("is-flagged"));
        if (hits.length) hits[0].scrollIntoView({ block: "center", behavior: "smooth" });
      }
      return;
    }
    const row = ev.target.closest(".xl-ent-row[data-entity]");
    if (row) {
      const doc = row.closest(".xl-doc");
      const first = doc.querySelector('.xl-rows .xl-e[data-e="' + q(row.dataset.entity) + '"]');
      light(doc, row.dataset.entity);
      if (first) first.scrollIntoView({ block: "center", behavior: "smooth" });
    }
  });
  document.addEventListener("keydown", (ev) => {
    if ((ev.key === "Enter" || ev.key === " ") && ev.target.matches && ev.target.matches(".xl-s[data-s], .xl-ent-row")) {
      ev.preventDefault();
      ev.target.click();
    }
  });
}
