// Talking to the lab's API: JSON in and out, errors as exceptions carrying the server's message.
// The token (when the lab has one) comes from the page's own URL (?token=...) and goes along as
// the X-Lab-Token header; the browser's own loads (scripts, images) carry the lab's cookie.

const token = new URLSearchParams(window.location.search).get("token");

function headers(extra = {}) {
  return token ? { ...extra, "X-Lab-Token": token } : extra;
}

async function answer(response) {
  let body = null;
  const text = await response.text();
  try {
    body = text ? JSON.parse(text) : null;
  } catch (e) {
    body = { error: text };
  }
  if (!response.ok) {
    const message = body && body.error ? body.error : `HTTP ${response.status}`;
    const err = new Error(message);
    err.status = response.status;
    throw err;
  }
  return body;
}

export async function getJSON(path) {
  return answer(await fetch(path, { headers: headers() }));
}

export async function postJSON(path, data) {
  return answer(await fetch(path, {
    method: "POST",
    headers: headers({ "Content-Type": "application/json" }),
    body: JSON.stringify(data),
  }));
}

export async function postForm(path, form) {
  return answer(await fetch(path, { method: "POST", headers: headers(), body: form }));
}

// A URL for an element's src (an image of a run): the query carries the token if there is one.
export function url(path, params = {}) {
  const q = new URLSearchParams(params);
  if (token) q.set("token", token);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
