// Progressive enhancement of the browse form: apply a filter or an order as soon as it changes, count the
// models ticked for comparing. Without JavaScript the form's buttons do the same, with the same URLs.
(function () {
  var form = document.getElementById("browse-form");
  if (!form) return;
  var bar = document.getElementById("compare-bar");
  var MAX_COMPARED = bar ? Number(bar.dataset.max) : 0; // the server's limit (catalog.comparing.MAX_COMPARED)
  var filters = document.getElementById("filters");
  var wide = window.matchMedia("(min-width: 50.01em)");
  var toCompare = false;

  // The filter panel: always open on a wide screen; on a phone, folded unless the reader left it open.
  if (filters) {
    filters.open = wide.matches || sessionStorage.getItem("browse-filters-open") === "1";
    filters.addEventListener("toggle", function () {
      if (!wide.matches) sessionStorage.setItem("browse-filters-open", filters.open ? "1" : "0");
    });
  }

  function picks() {
    return form.querySelectorAll("input[name=models]:checked, input[type=hidden][name=models]");
  }

  function updateCompareBar(changed) {
    var ticked = picks();
    var count = ticked.length;
    var text = document.getElementById("compare-bar-text");
    var button = document.getElementById("compare-button");
    if (!bar) return;
    bar.hidden = count === 0;
    button.textContent = count > 1 ? "Compare " + count + " models" : "Compare";
    button.disabled = count === 0;
    if (changed) {
      var names = Array.prototype.map.call(ticked, function (input) { return input.dataset.name; });
      text.textContent = "Ticked: " + names.join(", ") + (count === 1 ? ". Tick one more to compare." : ".");
      if (count >= MAX_COMPARED) text.textContent += " " + MAX_COMPARED + " is the most that fit side by side.";
    }
    form.querySelectorAll("input[type=checkbox][name=models]").forEach(function (box) {
      box.disabled = !box.checked && count >= MAX_COMPARED;
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "q") return; // searching waits for Enter
    if (event.target.name === "models") return updateCompareBar(true); // ticks travel with the next submit
    form.requestSubmit ? form.requestSubmit() : form.submit();
  });
  form.addEventListener("submit", function (event) {
    toCompare = Boolean(event.submitter && event.submitter.id === "compare-button");
  });
  // Leave empty fields out of the URL, so that shared links stay short; /compare/ needs only the models.
  form.addEventListener("formdata", function (event) {
    var drop = [];
    event.formData.forEach(function (value, key) {
      if (value === "" || (toCompare && key !== "models")) drop.push(key);
    });
    drop.forEach(function (key) { event.formData.delete(key); });
  });
  updateCompareBar(false);
})();
