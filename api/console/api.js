// The API as the console calls it: the bearer token kept in this tab's sessionStorage,
// JSON in and out, and refusals as ApiError carrying the API's own reason.

const KEY = "eventdesk.token";

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, body) {
    super(body.reason || body.detail || body.error || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export function authHeaders() {
  return { Authorization: `Bearer ${token.get()}` };
}

export async function call(method, path, body) {
  const headers = authHeaders();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body);
