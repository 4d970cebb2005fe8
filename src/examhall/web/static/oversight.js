// Draws the oversight charts with Chartist (served from /static/vendor) from each
// [data-chart] element's JSON: {kind: "line"|"bar", labels, series, horizontal, unit, high}.
(function () {
  "use strict";

  function draw(box) {
    var spec = JSON.parse(box.getAttribute("data-chart"));
    var unit = spec.unit || "";
    var data = { labels: spec.labels, series: spec.series };
    var values = { low: 0, onlyInteger: true, labelInterpolationFnc: function (v) { return v + unit; } };
    if (spec.high) { values.high = spec.high; }
    if (spec.kind === "line") {
      box.classList.add("chart-line");
      return new Chartist.LineChart(box, data, {
        low: 0, high: spec.high || undefined, fullWidth: true, showArea: false,
        lineSmooth: false, // straight segments: a curve would draw rates that never were
        chartPadding: { right: 24, left: 4 },
        axisY: values
      });
    }
    box.classList.add("chart-bar");
    if (spec.horizontal) {
      box.style.height = (spec.labels.length * (spec.series.length * 14 + 10) + 50) + "px";
      return new Chartist.BarChart(box, data, {
        horizontalBars: true, reverseData: true, seriesBarDistance: 13,
        chartPadding: { right: 36 },
        axisX: values,
        axisY: { offset: 130 }
      });
    }
    return new Chartist.BarChart(box, data, { seriesBarDistance: 12, chartPadding: { right: 16 }, axisY: values });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (box) { charts.push(draw(box)); });
    // Print at the paper's width, not the window's.
    window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.update(); }); });
    window.addEventListener("afterprint", function () { charts.forEach(function (c) { c.update(); }); });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
