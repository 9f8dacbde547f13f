// The report page's autosave (report_page.html), a file of its own: the pages' Content-Security-Policy
// runs no script written in the page.
// Autosave every 30 seconds while the page is open; without JavaScript, "Save draft" does the same.
// Each save states the draft revision this page holds; if the draft was saved elsewhere meanwhile,
// nothing is saved, autosave stops, and what the person typed stays on the page.
(function () {
  var form = document.getElementById("report-form"), status = document.getElementById("autosave-status");
  var revision = form.elements["draft_revision"];
  // Not form.action: the buttons named "action" shadow that property.
  var target = form.getAttribute("action");
  function typed() { var d = new URLSearchParams(new FormData(form)); d.delete("draft_revision"); return d.toString(); }
  var last = typed();
  // One save at a time: a tick while the last save is on its way waits for the next tick, so no
  // save states a revision the one before it is about to replace.
  var saving = false;
  var timer = setInterval(function () {
    var now = typed(); if (now === last || saving) return;
    saving = true;
    var data = new URLSearchParams(new FormData(form)); data.set("action", "autosave");
    fetch(target, {method: "POST", body: data, headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); })
      .then(function (r) {
        if (r.ok) { last = now; revision.value = r.body.draft_revision; status.textContent = "Last saved " + r.body.saved_at_text + "."; }
        else if (r.body.error.code === "changed_elsewhere") { clearInterval(timer); status.textContent = "Not saved automatically: " + r.body.error.message + " Autosave has stopped; press Save draft to see the saved draft's time and keep your version."; }
        else { status.textContent = "Not saved automatically: " + r.body.error.message + " Use Save draft to see what to correct."; }
      })
      .catch(function () { status.textContent = "Not saved automatically (no connection). Use Save draft."; })
      .then(function () { saving = false; });
  }, 30000);
})();
