/* The decision change form: each event shows the groups of fields its type uses (a group's
   class rr-for-<type>-<type>… names them, from the rules of DESIGN §2). A saved event comes
   with the groups of its own type only: choosing another type copies the groups it needs from
   the formset's template. A hidden group's fields are disabled, so what is hidden is not sent.
   Without this script every group of a new event shows and is sent. */
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

  function groupName(fieldset) {
    var field = fieldset.querySelector("[name]");
    return field ? field.name.replace(/^.*-(\d+|__prefix__)-/, "") : "";
  }

  function renumber(element, prefix, index) {
    var pattern = new RegExp(prefix + "-(\\d+|__prefix__)", "g");
    var replacement = prefix + "-" + index;
    [element].concat(Array.prototype.slice.call(element.querySelectorAll("*"))).forEach(function (e) {
      ["id", "name", "for", "aria-labelledby", "aria-describedby"].forEach(function (attr) {
        var value = e.getAttribute(attr);
        if (value) e.setAttribute(attr, value.replace(pattern, replacement));
      });
    });
  }

  // Copy into a saved event the groups its new type uses and the page did not bring.
  function complete(row, type) {
    var match = /^(.+)-(\d+)$/.exec(row.id);
    var template = match && document.getElementById(match[1] + "-empty");
    if (!template) return;
    var own = {};
    row.querySelectorAll(":scope > fieldset").forEach(function (f) { own[groupName(f)] = f; });
    var previous = null;
    template.querySelectorAll(":scope > fieldset").forEach(function (model) {
      var name = groupName(model);
      var fieldset = own[name];
      if (!fieldset && uses(model, type)) {
        fieldset = model.cloneNode(true);
        renumber(fieldset, match[1], match[2]);
        if (previous) previous.after(fieldset); else row.querySelector("h3").after(fieldset);
        if (window.django && django.jQuery && django.jQuery.fn.djangoAdminSelect2) {
          django.jQuery(fieldset).find(".admin-autocomplete").djangoAdminSelect2();
        }
      }
      if (fieldset) previous = fieldset;
    });
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
    if (select.value) complete(row, select.value);
    row.querySelectorAll(":scope > fieldset[class*='rr-for-']").forEach(function (fieldset) {
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
