// The "Print" button of the disclosure page: bound here because the
// Content-Security-Policy (script-src 'self') blocks inline onclick handlers.
document.addEventListener("click", function (event) {
  var button = event.target.closest(".rpt-print");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
