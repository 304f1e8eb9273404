// Suggestions in the header search as the reader types: a listbox of models (name, lab, price) from the form's
// data-suggestions endpoint, with the keyboard of a combobox (arrows, Enter, Escape). Without JavaScript the form
// submits to /models/?q= as it always did; with it, Enter without a picked suggestion does the same.
(function () {
  "use strict";
  var form = document.querySelector(".site-search[data-suggestions]");
  if (!form || !window.fetch) return;
  var input = form.querySelector("input[name=q]");
  var list = document.getElementById("site-search-suggestions");
  var status = document.getElementById("site-search-status");
  var endpoint = form.getAttribute("data-suggestions");
  var cache = {};
  var options = [];
  var active = -1;
  var timer = null;
  var pending = null;
  var shown = "";

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");

  function folded(text) {
    return text.toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, "");
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function option(id, name, meta, url, extraClass) {
    var item = document.createElement("li");
    item.id = id;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", "false");
    item.dataset.url = url;
    if (extraClass) item.className = extraClass;
    var title = document.createElement("span");
    title.className = "site-search__name";
    title.textContent = name;
    item.appendChild(title);
    if (meta) {
      var detail = document.createElement("span");
      detail.className = "site-search__meta";
      detail.textContent = meta;
      item.appendChild(detail);
    }
    return item;
  }

  function render(data) {
    list.replaceChildren();
    options = [];
    data.results.forEach(function (model, i) {
      var meta = [model.lab, model.price, model.status].filter(Boolean).join(" · ");
      options.push(option("site-search-option-" + i, model.name, meta, model.url));
    });
    data.did_you_mean.forEach(function (name, i) {
      var url = form.action + "?q=" + encodeURIComponent(name);
      options.push(option("site-search-maybe-" + i, "Did you mean " + name + "?", "", url));
    });
    if (data.results.length) {
      options.push(option("site-search-all", "All results for “" + data.q + "”", "", data.all_url, "site-search__all"));
    }
    options.forEach(function (item) { list.appendChild(item); });
    shown = data.q;
    active = -1;
    if (!options.length) {
      status.textContent = "No model matches “" + data.q + "”.";
      close();
      return;
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    input.removeAttribute("aria-activedescendant");
    status.textContent = data.results.length
      ? data.results.length + " suggestions; use the up and down arrows to pick one."
      : "No model matches; " + data.did_you_mean.length + " similar names.";
  }

  function suggest() {
    var q = input.value.trim();
    if (!folded(q)) {
      close();
      return;
    }
    if (cache[q]) {
      render(cache[q]);
      return;
    }
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(endpoint + "?q=" + encodeURIComponent(q), {
      headers: { Accept: "application/json" },
      signal: pending.signal,
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        cache[q] = data;
        if (input.value.trim() === q) render(data);
      })
      .catch(function () { /* aborted by a newer keystroke, or offline: the form still submits */ });
  }

  function go(index) {
    var url = options[index] && options[index].dataset.url;
    if (url) window.location.assign(url);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });

  input.addEventListener("keydown", function (event) {
    var open = !list.hidden && options.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!open) {
        if (shown && shown === input.value.trim() && options.length) {
          list.hidden = false;
          input.setAttribute("aria-expanded", "true");
        } else {
          suggest();
        }
        event.preventDefault();
        return;
      }
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = active + step;
      if (next < -1) next = options.length - 1;
      if (next >= options.length) next = -1;
      highlight(next);
      event.preventDefault();
    } else if (event.key === "Enter") {
      if (open && active >= 0) {
        event.preventDefault();
        go(active);
      }
    } else if (event.key === "Escape") {
      if (open) {
        event.preventDefault();
        close();
      }
    } else if (event.key === "Tab") {
      close();
    }
  });

  // mousedown, not click: the input keeps its focus, so that the list is not closed before the pick.
  list.addEventListener("mousedown", function (event) {
    var item = event.target.closest("[role=option]");
    if (!item) return;
    event.preventDefault();
    go(options.indexOf(item));
  });

  input.addEventListener("blur", close);
  input.addEventListener("focus", function () {
    if (shown && shown === input.value.trim() && options.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
  });
})();
