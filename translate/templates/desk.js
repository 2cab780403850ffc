// The editor's desk (translate desk): saves a sentence without leaving the
// page, shows a conflict with both texts, and fills in a suggestion. Every
// form also works without this script (the server answers plain posts).
// Text from the server is inserted only as HTML the server rendered with
// escaping (a sentence or a conflict), or as textContent.
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const announce = (text) => {
    const region = document.getElementById("announce");
    if (region) { region.textContent = ""; window.setTimeout(() => { region.textContent = text; }, 50); }
  };

  async function send(form, submitter) {
    const data = new FormData(form);
    if (submitter && submitter.name) data.set(submitter.name, submitter.value);
    const response = await fetch(form.getAttribute("action"), {
      method: "POST", body: new URLSearchParams(data), credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
    });
    let answer = null;
    try { answer = await response.json(); } catch (err) { answer = null; }
    return { response, answer };
  }

  function replaceSection(number, html) {
    const old = document.getElementById("s-" + number);
    const holder = document.createElement("div");
    holder.innerHTML = html;   // rendered and escaped by the server's template
    const fresh = holder.firstElementChild;
    old.replaceWith(fresh);
    fresh.querySelectorAll("template.later").forEach((template) =>
      template.replaceWith(template.content.cloneNode(true)));
    return fresh;
  }

  async function saveSentence(form, submitter) {
    const section = form.closest("section.sentence");
    const number = section.id.slice(2);
    const message = form.querySelector(".message");
    const text = form.querySelector("textarea").value;
    message.className = "message";
    message.textContent = "saving…";
    let result;
    try { result = await send(form, submitter); } catch (err) {
      message.className = "message refused";
      message.textContent = "Not saved: the desk did not answer (is it still running?). Your text is still here.";
      return;
    }
    const { response, answer } = result;
    if (answer && answer.outcome === "saved") {
      const fresh = replaceSection(number, answer.html);
      const note = fresh.querySelector(".message");
      const what = submitter && submitter.value === "approve" ? "Approved" : "Saved";
      note.className = "message saved";
      note.textContent = what + ": sentence " + number + " is an approved human translation." +
        (answer.warnings.length ? " " + answer.warnings.join(" ") : "");
      const status = document.querySelector("#edition-status strong");
      if (status) status.textContent = answer.status;
      fresh.querySelector("textarea").focus();
      announce(what + " sentence " + number + ". Edition: " + answer.status + ".");
      return;
    }
    if (answer && answer.outcome === "conflict") {
      const old = section.querySelector(".conflict");
      if (old) old.remove();
      const holder = document.createElement("div");
      holder.innerHTML = answer.html;   // rendered and escaped by the server's template
      form.before(holder.firstElementChild);
      form.querySelector("textarea").value = text;   // yours stays in the editor too
      message.className = "message refused";
      message.textContent = "Not saved: someone else saved this sentence meanwhile; both texts are shown above.";
      announce("Conflict on sentence " + number + ": not saved, both texts shown.");
      return;
    }
    message.className = "message refused";
    message.textContent = "Not saved: " + ((answer && answer.message) || ("the desk answered " + response.status)) +
      " Your text is still here.";
    announce(message.textContent);
  }

  // The editors of a long edition after the first ones: made as they come
  // near the screen, and all of them soon after the page has loaded.
  function makeEditor(template) {
    if (template.isConnected) template.replaceWith(template.content.cloneNode(true));
  }
  const later = Array.from(document.querySelectorAll("template.later"));
  if (later.length) {
    const near = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) {
          near.unobserve(entry.target);
          entry.target.querySelectorAll("template.later").forEach(makeEditor);
        }
      }
    }, { rootMargin: "1500px 0px" });
    later.forEach((template) => near.observe(template.closest("section")));
    let next = 0;
    const batch = () => {   // 50 at a time, so that the page answers keys and clicks meanwhile
      for (const end = Math.min(next + 50, later.length); next < end; next++) makeEditor(later[next]);
      if (next < later.length) window.setTimeout(batch, 0);
    };
    window.addEventListener("load", () => window.setTimeout(batch, 0));
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches("form.editor")) {
      event.preventDefault();
      saveSentence(form, event.submitter);
    } else if (form.matches("form.resolve")) {
      event.preventDefault();
      const section = form.closest("section.sentence");
      const editor = section.querySelector("form.editor");
      editor.querySelector('input[name="version"]').value = form.querySelector('input[name="version"]').value;
      editor.querySelector("textarea").value = form.querySelector('input[name="text"]').value;
      form.closest(".conflict").remove();
      saveSentence(editor, form.querySelector("button"));
    }
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.use-suggestion");
    if (button) {
      const target = document.getElementById(button.dataset.target);
      target.value = button.dataset.text;
      target.focus();
      announce("The suggestion is in the editor: correct it, then Save.");
      return;
    }
    const keep = event.target.closest("a.keep-theirs");
    if (keep) {
      event.preventDefault();
      const section = keep.closest("section.sentence");
      const conflict = keep.closest(".conflict");
      const theirs = conflict.querySelector(".theirs").textContent;
      const version = conflict.querySelector('form.resolve input[name="version"]').value;
      const editor = section.querySelector("form.editor");
      editor.querySelector('input[name="version"]').value = version;
      conflict.remove();
      announce("Kept theirs: " + theirs);
      window.location.reload();
    }
  });
})();
