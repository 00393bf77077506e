// Progressive enhancement for the search pages: typeahead suggestions, submit on
// filter change, "use my location". Every page works without this script.
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  document.querySelectorAll(".js-typeahead").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var url = input.dataset.typeaheadUrl;
    if (!list || !url) { return; }
    var lookup = debounce(function (value) {
      if (value.trim().length < 2) { return; }
      fetch(url + "&q=" + encodeURIComponent(value), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) {
          list.replaceChildren();
          data.suggestions.forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.text;
            if (item.label) { option.label = item.label; }
            list.appendChild(option);
          });
        })
        .catch(function () { /* typeahead is optional: the form still submits */ });
    }, 200);
    input.addEventListener("input", function () { lookup(input.value); });
  });

  document.querySelectorAll(".js-search-form").forEach(function (form) {
    form.querySelectorAll(".js-autosubmit").forEach(function (control) {
      control.addEventListener("change", function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
    });
    var locate = form.querySelector(".js-locate");
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (position) {
          form.querySelector("[name=lat]").value = position.coords.latitude.toFixed(5);
          form.querySelector("[name=lon]").value = position.coords.longitude.toFixed(5);
          var radius = form.querySelector("[name=radius_km]");
          if (!radius.value) { radius.value = "10"; }
        });
      });
    }
  });
})();
