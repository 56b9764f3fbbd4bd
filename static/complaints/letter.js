// The letter's Print button (a file, not an onclick attribute: the
// Content-Security-Policy allows scripts from the site's own files only).
document.getElementById("print-letter")?.addEventListener("click", () => window.print());
