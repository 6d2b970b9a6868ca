// Linkwell: progressive enhancement only. Every page works without this script.
"use strict";

// The referral form: say where a postcode is (and how deprived the area is) as it is typed.
function enhancePostcode() {
  const input = document.getElementById("postcode");
  const hint = document.getElementById("postcode-found");
  if (!input || !hint) return;
  let last = "";
  const check = async () => {
    const value = input.value.trim();
    if (value.length < 5 || value === last) return;
    last = value;
    try {
      const response = await fetch("/postcode-check?postcode=" + encodeURIComponent(value), { credentials: "same-origin" });
      if (!response.ok) return;
      const answer = await response.json();
      hint.textContent = answer.text;
      hint.className = answer.found ? "found" : "error-message";
    } catch (_) {
      // Offline or signed out: the server checks the postcode on submit anyway.
    }
  };
  input.addEventListener("change", check);
  input.addEventListener("blur", check);
}

// An error summary takes focus so screen reader and keyboard users start there; else a
// success banner does (NHS notification banner), so the save is heard where it is seen.
function focusErrorSummary() {
  const summary = document.querySelector(".error-summary") || document.querySelector(".notification-banner");
  if (summary) summary.focus();
}

// Print buttons need the script, so they stay hidden without it (the browser's own print
// command always works).
function enablePrintButtons() {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
}

document.addEventListener("DOMContentLoaded", () => {
  enablePrintButtons();
  enhancePostcode();
  focusErrorSummary();
});
