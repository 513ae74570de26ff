// Draws every <canvas data-chart="..."> with Chart.js: the page renders the figures as JSON
// in the attribute (no inline script under the content security policy).
(function () {
  "use strict";
  var PRIORITY_COLOURS = {P1: "#b42318", P2: "#dc6803", P3: "#eaaa08", P4: "#1570ef", P5: "#98a2b3"};
  var SERIES_COLOURS = ["#1570ef", "#12b76a", "#dc6803", "#7a5af8", "#b42318"];

  function dataset(series, index) {
    var colour = PRIORITY_COLOURS[series.label] || SERIES_COLOURS[index % SERIES_COLOURS.length];
    return {label: series.label, data: series.values, backgroundColor: colour, borderColor: colour,
            spanGaps: true, tension: 0.2};
  }

  function draw(canvas) {
    if (canvas.dataset.drawn) { return; }
    var spec = JSON.parse(canvas.dataset.chart);
    canvas.dataset.drawn = "yes";
    new window.Chart(canvas, {
      type: spec.type,
      data: {labels: spec.labels, datasets: spec.series.map(dataset)},
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: spec.horizontal ? "y" : "x",
        plugins: {legend: {display: spec.series.length > 1}},
        scales: {x: {stacked: !!spec.stacked}, y: {stacked: !!spec.stacked, beginAtZero: true,
                 suggestedMax: spec.max || undefined}}
      }
    });
  }

  // Axis labels and grid lines in the page's own colours, light or dark.
  function followPageColours() {
    var style = getComputedStyle(document.documentElement);
    window.Chart.defaults.color = style.getPropertyValue("--muted").trim();
    window.Chart.defaults.borderColor = style.getPropertyValue("--border").trim();
  }

  function drawAll(root) {
    root.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () {
    followPageColours();
    drawAll(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
