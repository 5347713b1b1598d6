// The JSON API, as the storefront calls it: same origin, JSON in and out, errors as ApiError.

export class ApiError extends Error {
  constructor(status, message, detail) {
    super(message);
    this.status = status;
    this.detail = detail;
  }
}

function withParams(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    const values = Array.isArray(value) ? value : [value];
    for (const one of values) {
      if (one !== undefined && one !== null && one !== "") query.append(name, String(one));
    }
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

async function answer(response) {
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body && body.error ? body.error : `the server answered ${response.status}`;
    throw new ApiError(response.status, message, body && body.detail);
  }
  return body;
}

async function call(path, init) {
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, "the shop cannot be reached: check your connection and try again");
  }
  return answer(response);
}

export function getJson(path, params) {
  return call(withParams(path, params), { headers: { Accept: "application/json" } });
}

// keepalive lets an event posted on a click outlive the page the click leaves.
export function postJson(path, body, { keepalive = false } = {}) {
  return call(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
    keepalive,
  });
}

export { withParams };
