// An import run's page: the progress bar's width from the percent the server wrote on it (the
// content security policy allows no style attribute), when the page loads and each time the
// poll swaps in the run's state.
htmx.onLoad((content) => {
  content.querySelectorAll(".progress-bar[data-percent]").forEach((bar) => {
    bar.style.width = `${bar.dataset.percent}%`;
  });
});
