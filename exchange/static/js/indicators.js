// Draws the statistics charts from the JSON in each canvas's data-chart attribute.
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var data;
    try { data = JSON.parse(canvas.getAttribute("data-chart")); } catch (e) { return; }
    var type = canvas.getAttribute("data-chart-type") || "line";
    data.datasets.forEach(function (set, i) {
      set.borderColor = palette[i % palette.length];
      set.backgroundColor = type === "bar" ? palette[i % palette.length] : "transparent";
      set.pointRadius = 0;
      set.tension = 0.2;
    });
    new Chart(canvas, {
      type: type,
      data: data,
      options: {
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: window.innerWidth < 576 ? 1.2 : 2,
        indexAxis: type === "bar" ? "y" : "x",
        plugins: { legend: { position: "bottom" } },
        scales: type === "bar" ? { x: { beginAtZero: true, max: 100 } } : { y: { beginAtZero: true } }
      }
    });
  });
})();
