// The passkey ceremonies of the infocentre console: a button with
// data-ceremony="register" or "login" posts to data-begin for the
// options, asks the browser's authenticator, and posts the result to
// data-finish, which answers {"redirect": …} or a problem+json.
"use strict";
(function () {
  function bytes(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function b64url(buf) {
    var b = new Uint8Array(buf), s = "";
    for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: body ? JSON.stringify(body) : "{}"
    }).then(function (res) {
      return res.json().then(function (data) {
        if (!res.ok) throw new Error(data.detail || res.statusText);
        return data;
      });
    });
  }
  function creation(o) {
    var pk = o.publicKey;
    pk.challenge = bytes(pk.challenge);
    pk.user.id = bytes(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = bytes(c.id); });
    return navigator.credentials.create({ publicKey: pk });
  }
  function assertion(o) {
    var pk = o.publicKey;
    pk.challenge = bytes(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = bytes(c.id); });
    return navigator.credentials.get({ publicKey: pk });
  }
  function encode(cred) {
    var r = cred.response, out = { id: cred.id, rawId: b64url(cred.rawId), type: cred.type, response: { clientDataJSON: b64url(r.clientDataJSON) } };
    if (r.attestationObject) {
      out.response.attestationObject = b64url(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = b64url(r.authenticatorData);
      out.response.signature = b64url(r.signature);
      if (r.userHandle) out.response.userHandle = b64url(r.userHandle);
    }
    return out;
  }
  function run(button) {
    var status = document.querySelector(".status");
    var register = button.dataset.ceremony === "register";
    button.disabled = true;
    if (status) { status.hidden = true; status.textContent = ""; }
    post(button.dataset.begin)
      .then(function (o) { return register ? creation(o) : assertion(o); })
      .then(function (cred) { return post(button.dataset.finish, encode(cred)); })
      .then(function (done) { window.location.assign(done.redirect || "/admin/"); })
      .catch(function (err) {
        button.disabled = false;
        if (status) { status.textContent = err.message || String(err); status.hidden = false; }
      });
  }
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-ceremony]");
    if (!b) return;
    if (!window.PublicKeyCredential) {
      var s = document.querySelector(".status");
      if (s) { s.textContent = "This browser does not support passkeys."; s.hidden = false; }
      return;
    }
    run(b);
  });
})();
// Entry screens: after a form comes back with problems, a merge to make
// or a preview, move the focus there (the page works without this).
(function () {
  var target = document.querySelector(".error-summary[tabindex], #conflict-title, #preview-title");
  if (target) target.focus();
})();
// Direct uploads: the form posts the file straight to the file store,
// which sends the browser back to the console; pass the file's name
// along, so that the page that finishes the upload knows it (without
// this script, that page asks for it).
(function () {
  var form = document.querySelector("form[data-direct-upload]");
  if (!form) return;
  var back = form.querySelector("input[name=success_action_redirect]");
  var input = form.querySelector("input[type=file]");
  if (!back || !input) return;
  var base = back.value;
  input.addEventListener("change", function () {
    var f = input.files && input.files[0];
    back.value = f ? base + "?name=" + encodeURIComponent(f.name) : base;
  });
})();
