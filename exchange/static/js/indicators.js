// Draws the statistics charts from the JSON in each canvas's data-chart attribute.
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545"];
  var narrow = window.innerWidth < 576;
  // Long region names on a phone go on two or three lines rather than off the left edge.
  function wrap(label) {
    if (!narrow || typeof label !== "string" || label.length <= 14) { return label; }
    var lines = [], line = "";
    label.replace(/-/g, "-\n").split(/\s+/).forEach(function (word) {  // a hyphen may end a line too
      var joined = line + (/-$/.test(line) ? "" : " ") + word;
      if (line && joined.length > 14) { lines.push(line); line = word; } else { line = line ? joined : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }
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
    var bars = type === "bar";
    if (bars) {
      // One bar per region: the chart grows with the number of regions instead of squeezing
      // them (which made Chart.js skip every other name on a phone).
      var box = document.createElement("div");
      box.className = "position-relative";
      box.style.height = (data.labels.length * (narrow ? 44 : 26) + 70) + "px";
      canvas.parentNode.insertBefore(box, canvas);
      box.appendChild(canvas);
    }
    new Chart(canvas, {
      type: type,
      data: data,
      options: {
        responsive: true,
        maintainAspectRatio: !bars,
        aspectRatio: narrow ? 1.2 : 2,
        indexAxis: bars ? "y" : "x",
        plugins: { legend: { position: "bottom" } },
        scales: bars
          ? { x: { beginAtZero: true, max: 100 },
              y: { ticks: { autoSkip: false, callback: function (value) { return wrap(this.getLabelForValue(value)); } } } }
          : { y: { beginAtZero: true } }
      }
    });
  });
})();
