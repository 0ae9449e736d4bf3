/* The decision change form: each event shows the groups of fields its type uses (a group's
   class rr-for-<type>-<type>… names them, from the rules of DESIGN §2). A hidden group's
   fields are disabled, so what is hidden is not sent; without this script every group shows
   and is sent. */
"use strict";
(function () {
  function uses(fieldset, type) {
    var fits = false;
    fieldset.classList.forEach(function (cls) {
      if (cls.indexOf("rr-for-") === 0 && cls.substring(7).split("-").indexOf(type) !== -1) {
        fits = true;
      }
    });
    return fits;
  }

  function show(fieldset, visible) {
    fieldset.hidden = !visible;
    fieldset.querySelectorAll("input, select, textarea").forEach(function (field) {
      if (/_kind$/.test(field.name)) return; // a default only: a slot is filled by its other fields
      if (!visible && !field.disabled) {
        field.disabled = true;
        field.dataset.rrOff = "1";
      } else if (visible && field.dataset.rrOff) {
        field.disabled = false;
        delete field.dataset.rrOff;
      }
    });
  }

  function refresh(row) {
    var select = row.querySelector("select[name$='-type']");
    if (!select) return;
    row.querySelectorAll("fieldset[class*='rr-for-']").forEach(function (fieldset) {
      // A group holding an error shows, so that the error can be read and put right.
      show(fieldset, uses(fieldset, select.value) || !!fieldset.querySelector(".errorlist"));
    });
  }

  function bind(row) {
    var select = row.querySelector("select[name$='-type']");
    if (!select || row.classList.contains("empty-form")) return; // the template is copied as is
    select.addEventListener("change", function () { refresh(row); });
    refresh(row);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".inline-related").forEach(bind);
  });
  document.addEventListener("formset:added", function (event) {
    if (event.target.classList.contains("inline-related")) bind(event.target);
  });
})();
