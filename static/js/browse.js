// Progressive enhancement of the browse form: apply a filter or an order as soon as it changes.
// Without JavaScript the form's buttons do the same, with the same URLs.
(function () {
  var form = document.getElementById("browse-form");
  if (!form) return;
  form.addEventListener("change", function (event) {
    if (event.target.name === "q") return; // searching waits for Enter
    form.requestSubmit ? form.requestSubmit() : form.submit();
  });
  // Leave empty fields out of the URL, so that shared links stay short.
  form.addEventListener("formdata", function (event) {
    var empty = [];
    event.formData.forEach(function (value, key) { if (value === "") empty.push(key); });
    empty.forEach(function (key) { event.formData.delete(key); });
  });
})();
