// @ts-check
// /ui/#token=… logs in without typing: the fragment never reaches the server,
// so the token is sent once, in a POST body, and wiped from the address bar
// (and so from history) before anything else happens.
const match = /^#token=(.+)$/.exec(location.hash);
if (match) {
  const token = decodeURIComponent(match[1]);
  history.replaceState(null, "", location.pathname + location.search);
  fetch("/ui/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token }),
    credentials: "same-origin",
  }).then((res) => {
    if (res.ok) location.replace("/ui/");
    else showError("The token in the link is not valid for this cluster.");
  }, () => showError("The API server did not answer."));
}

/** @param {string} text */
function showError(text) {
  const p = document.createElement("p");
  p.className = "error";
  p.setAttribute("role", "alert");
  p.textContent = text;
  document.getElementById("login-form")?.before(p);
}
