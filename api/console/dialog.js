// One confirmation dialog for every command that needs a reason (reject, kill switches,
// desk halt): resolves to the reason typed, or null when cancelled.

const dialog = () => document.getElementById("ask");

// With `withAccounts`, the dialog also asks which accounts (strategy pause and resume);
// read them with `askedAccounts()` once it resolves.
export function askReason(title, text, confirmLabel = "Confirm", withAccounts = false) {
  const box = dialog();
  const reason = document.getElementById("ask-reason");
  document.getElementById("ask-accounts-row").hidden = !withAccounts;
  document.getElementById("ask-accounts").value = "";
  document.getElementById("ask-title").textContent = title;
  document.getElementById("ask-text").textContent = text;
  document.getElementById("ask-confirm").textContent = confirmLabel;
  reason.value = "";
  return new Promise((resolve) => {
    const cancel = document.getElementById("ask-cancel");
    const onCancel = () => box.close("cancel");
    cancel.addEventListener("click", onCancel, { once: true });
    box.addEventListener("close", () => {
      cancel.removeEventListener("click", onCancel);
      resolve(box.returnValue === "confirm" ? reason.value.trim() : null);
    }, { once: true });
    box.returnValue = "";
    box.showModal();
    reason.focus();
  });
}

export function askedAccounts() {
  return document.getElementById("ask-accounts").value.split(",")
    .map((a) => a.trim()).filter((a) => a);
}
