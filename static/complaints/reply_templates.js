// Reply templates on the draft-decision and correspondence pages: choosing one
// asks the server for its text with the placeholders filled for this
// complaint, and puts it into the text box (appended after a blank line when
// the box already holds text). The text is set as a value, never as markup.
function setUpReplyTemplates() {
  const select = document.getElementById("reply-template");
  if (!select) return;
  const target = document.getElementById(select.dataset.target);
  const amount = document.getElementById("id_redress_amount");
  const outcome = document.getElementById("id_outcome");

  function showForOutcome() {
    const chosen = outcome ? outcome.value : "";
    for (const option of select.options) {
      const wanted = option.dataset.outcome || "";
      option.hidden = Boolean(wanted && chosen && wanted !== chosen);
    }
  }

  select.addEventListener("change", async () => {
    if (!select.value || !target) return;
    const url = new URL(select.value, window.location.href);
    if (amount && amount.value) url.searchParams.set("amount", amount.value);
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (response.ok) {
      const { text } = await response.json();
      target.value = target.value.trim() ? `${target.value.trimEnd()}\n\n${text}` : text;
      target.dispatchEvent(new Event("input", { bubbles: true }));
      target.focus();
    }
    select.value = "";
  });
  if (outcome) {
    outcome.addEventListener("change", showForOutcome);
    showForOutcome();
  }
}

// Loaded in the page's head (the admin's form media): wait for the form.
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", setUpReplyTemplates);
} else {
  setUpReplyTemplates();
}
