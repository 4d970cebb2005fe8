// The judge's score sheet: the running total as marks are entered, and one submission per tap.
(function () {
  "use strict";
  var form = document.getElementById("rubric");
  if (!form) return;
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input[name=mark]"));
  var output = document.getElementById("total");
  function update() {
    var sum = 0;
    var complete = true;
    inputs.forEach(function (input) {
      var value = parseFloat(input.value);
      var max = parseFloat(input.max);
      var bad = input.value !== "" && (isNaN(value) || value < 0 || value > max || (value * 2) % 1 !== 0);
      input.setAttribute("aria-invalid", bad ? "true" : "false");
      if (input.value === "" || bad) complete = false;
      else sum += value;
    });
    output.textContent = complete ? String(Math.round(sum * 100) / 100) : "—";
  }
  inputs.forEach(function (input) { input.addEventListener("input", update); });
  update();
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    if (button) setTimeout(function () { button.disabled = true; }, 0);
  });
})();
