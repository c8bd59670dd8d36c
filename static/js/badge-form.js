// Badge form: focus the error summary when the server refused the badge, so that keyboard and
// screen-reader users hear why first.
(() => {
  const summary = document.getElementById("form-errors");
  if (summary) summary.focus();
})();
