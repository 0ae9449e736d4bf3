// A background job's page (templates/admin/jobs/job.html): polls the job's progress while it
// runs, shows its stage and rows done of total, and reloads the page for its result at the end.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.state === "succeeded" || box.dataset.state === "failed") {
    return;
  }
  var url = box.dataset.progressUrl;
  var rowsText = box.dataset.rowsText;
  function show(p) {
    document.getElementById("job-state").textContent = p.state_display;
    document.getElementById("job-stage").textContent = p.stage || "-";
    var bar = document.getElementById("job-bar");
    bar.max = p.total || 1;
    bar.value = p.done;
    document.getElementById("job-rows").textContent = rowsText
      .replace("%(done)s", p.done).replace("%(total)s", p.total);
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (p) {
        if (p === null) { window.setTimeout(poll, 2000); return; }
        show(p);
        if (p.finished) { window.location.reload(); } else { window.setTimeout(poll, 400); }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 400);
})();
