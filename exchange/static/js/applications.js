// Hiring statistics: draws the daily chart from the JSON endpoint named in data-source.
(function () {
  "use strict";
  var canvas = document.getElementById("hiring-chart");
  if (!canvas || typeof Chart === "undefined") {
    return;
  }
  var colours = ["#0d6efd", "#6f42c1", "#198754", "#fd7e14", "#dc3545", "#6c757d"];
  fetch(canvas.dataset.source, { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      new Chart(canvas, {
        type: "line",
        data: {
          labels: data.labels,
          datasets: data.series.map(function (series, i) {
            return { label: series.label, data: series.data, borderColor: colours[i % colours.length], tension: 0.2 };
          })
        },
        options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
    });
})();
