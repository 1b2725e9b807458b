// The API from a page: JSON in, JSON out, the session's cookie and CSRF token.
//
//   import { get, post, put } from "./kit/api.js";
//   const me = await get("/api/v1/me");
//   await post(`/api/v1/offers/${id}/accept`);
//
// One way of failing: a non-2xx answer becomes an ApiError with its `status`
// and the server's plain `message` (hotline/errors.py); a network failure an
// ApiError with status 0. The caller shows it to the user (by status, in their
// language, or the message as it is); nothing here swallows it.

export class ApiError extends Error {
  constructor(message, status, options) {
    super(message, options);
    this.name = "ApiError";
    this.status = status;
  }
}

// Flask-WTF's token, carried by every page in base.html's meta tag.
function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

export async function request(method, url, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let answer;
  try {
    answer = await fetch(url, {
      method,
      credentials: "same-origin",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (cause) {
    throw new ApiError(`${method} ${url}: no answer`, 0, { cause });
  }
  const data = answer.status === 204 ? null : await answer.json().catch(() => null);
  if (!answer.ok) {
    throw new ApiError(data?.message || answer.statusText || `${method} ${url}: ${answer.status}`, answer.status);
  }
  return data;
}

export const get = (url) => request("GET", url);
export const post = (url, body = {}) => request("POST", url, body);
export const put = (url, body = {}) => request("PUT", url, body);
