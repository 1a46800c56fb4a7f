// 我的账户: change one's own password, sign out everywhere. Both end every session of the user
// (the server revokes the tokens), so the page then goes to the login page.
"use strict";

(() => {
  const root = document.getElementById("account");
  if (!root) return;
  const status = document.getElementById("account-status");
  const passwordForm = document.getElementById("password-form");
  const everywhereForm = document.getElementById("everywhere-form");

  passwordForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    TLP.clearErrors(passwordForm);
    const current = passwordForm.elements.current_password.value;
    const next = passwordForm.elements.new_password.value;
    if (next !== passwordForm.elements.confirm.value) {
      TLP.showErrors(passwordForm, [{ field: "confirm", message: TL.t("acct.password.mismatch"), message_zh: TL.t("acct.password.mismatch") }]);
      return;
    }
    try {
      const r = await TL.api("POST", "/api/v1/me/password", { current_password: current, new_password: next });
      if (r.ok) {
        TLP.announce(status, TL.t("acct.password.done"), "ok");
        window.location.assign("/login?next=%2Faccount");
        return;
      }
      TLP.showProblem(passwordForm, r);
    } catch (err) {
      TLP.announce(status, TL.t("common.error") + ": " + err.message, "error");
    }
  });

  everywhereForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    TLP.clearErrors(everywhereForm);
    try {
      const r = await TL.api("POST", "/api/v1/auth/logout-everywhere");
      if (r.ok) {
        window.location.assign("/login");
        return;
      }
      TLP.showProblem(everywhereForm, r);
    } catch (err) {
      TLP.announce(status, TL.t("common.error") + ": " + err.message, "error");
    }
  });
})();
