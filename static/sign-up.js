// 申请人注册: the public sign-up form. It posts /api/v1/auth/sign-up; every bad field comes back
// named (the credit code with the same message as every other form) and is shown beside it.
// The account then waits, inactive, until a registrar of the chosen office activates it.
"use strict";

(() => {
  const form = document.getElementById("signup-form");
  if (!form) return;
  const value = (name) => form.elements.namedItem(name).value;
  const done = document.getElementById("signup-done");
  let busy = false;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (busy) return;
    TLP.clearErrors(form);
    if (value("password") !== value("confirm")) {
      TLP.showProblem(form, { status: 422, body: { errors: [{ field: "confirm", message: TL.t("sub.signup.mismatch"), message_zh: TL.t("sub.signup.mismatch") }] } });
      return;
    }
    busy = true;
    const button = document.getElementById("signup-submit");
    button.disabled = true;
    const office = form.elements.namedItem("office");
    const body = {
      username: value("username").trim(),
      password: value("password"),
      display_name: value("display_name").trim(),
      credit_code: value("credit_code").trim().toUpperCase(),
      office: value("office"),
    };
    try {
      const r = await TL.api("POST", "/api/v1/auth/sign-up", body);
      if (r.ok) {
        const officeName = office.selectedOptions[0] ? office.selectedOptions[0].textContent : "";
        TLP.setText("signup-done-text", TL.t("sub.signup.done").replace("{user}", body.username).replace("{office}", officeName));
        form.hidden = true;
        done.hidden = false;
        done.focus();
      } else {
        TLP.showProblem(form, r);
      }
    } catch (_) {
      TLP.showProblem(form, { status: 0, body: { detail: TL.t("form.network"), detail_zh: TL.t("form.network") } });
    } finally {
      busy = false;
      button.disabled = false;
    }
  });
  form.dataset.ready = "true";
})();
