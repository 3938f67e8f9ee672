// Print buttons on letters and reports (no inline scripts under the content security policy).
document.querySelectorAll('[data-print]').forEach((button) => {
  button.addEventListener('click', () => window.print());
});
