// Training-needs chart: planned jobs beside available seekers, fed by data-* attributes.
(function () {
  "use strict";
  var canvas = document.getElementById("needs-chart");
  if (!canvas || typeof Chart === "undefined") { return; }
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: JSON.parse(canvas.dataset.labels),
      datasets: [
        { label: canvas.dataset.plannedLabel, data: JSON.parse(canvas.dataset.planned), backgroundColor: "#0d6efd" },
        { label: canvas.dataset.availableLabel, data: JSON.parse(canvas.dataset.available), backgroundColor: "#20c997" }
      ]
    },
    options: { indexAxis: "y", responsive: true, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
})();
