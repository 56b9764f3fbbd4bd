// The registration form's coding suggestions (insight.admin_coding
// registration_suggestions): the request and facts typed so far go to the
// server, which answers with a suggested code per list. Pressing "Use" sets
// that list on the form; nothing else changes, and the person can still pick
// another code. Text from the server is set as text, never as markup.
function setUpCodingSuggestions() {
  const panel = document.getElementById("coding-suggestions");
  const button = document.getElementById("coding-suggest");
  if (!panel || !button) return;
  const form = button.closest("form");
  const message = document.getElementById("coding-suggest-message");
  const table = document.getElementById("coding-suggest-table");
  const body = table.querySelector("tbody");
  const fields = ["request", "facts", "complainant_name", "agent_name", "legal_representative"];

  function cell(row, text) {
    const td = row.insertCell();
    td.textContent = text;
    return td;
  }

  function show(suggestion) {
    const row = body.insertRow();
    row.className = `cd-coding-${suggestion.field}`;
    cell(row, suggestion.label);
    const code = cell(row, "");
    const strong = document.createElement("strong");
    strong.textContent = suggestion.code;
    code.append(strong);
    cell(row, `${suggestion.confidence}%`);
    const words = cell(row, "");
    for (const word of suggestion.words) {
      const w = document.createElement("code");
      w.textContent = word;
      words.append(w, " ");
    }
    const select = document.getElementById(`id_${suggestion.field}`);
    const use = document.createElement("button");
    use.type = "button";
    use.className = "button";
    use.id = `use-${suggestion.field}`;
    use.textContent = panel.dataset.use;
    use.disabled = !select;
    use.addEventListener("click", () => {
      select.value = String(suggestion.code_id);
      select.dispatchEvent(new Event("change", { bubbles: true }));
      use.disabled = true;
    });
    row.insertCell().append(use);
  }

  button.addEventListener("click", async () => {
    const data = new FormData();
    data.set("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    for (const name of fields) {
      const input = form.elements.namedItem(name);
      if (input && "value" in input) data.set(name, input.value);
    }
    button.disabled = true;
    body.replaceChildren();
    table.hidden = true;
    try {
      const response = await fetch(panel.dataset.url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      const answer = await response.json();
      message.textContent = answer.message;
      for (const suggestion of answer.suggestions) show(suggestion);
      table.hidden = answer.suggestions.length === 0;
    } catch {
      message.textContent = panel.dataset.failed;
    } finally {
      button.disabled = false;
    }
  });
}

document.addEventListener("DOMContentLoaded", setUpCodingSuggestions);
