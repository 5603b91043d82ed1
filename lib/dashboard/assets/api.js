// The dashboard's JSON API, under the same path (and guards) as the pages.

/** Where the dashboard is mounted, global prefix included, from the shell's meta tag. */
export const base = document.querySelector('meta[name="dashboard-base"]')?.getAttribute('content') ?? '';

/** An answer other than 2xx, with the server's message (Nest's `{ message }`) when it sent one. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function request(method, path, body) {
  const response = await fetch(`${base}/api/${path}`, {
    method,
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = response.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await response.json().catch(() => undefined) : await response.text();
  if (!response.ok) {
    const message = Array.isArray(data?.message) ? data.message.join(' ') : (data?.message ?? (typeof data === 'string' && data ? data : response.statusText));
    throw new ApiError(response.status, `${response.status}: ${message}`);
  }
  return data;
}

/** GET `<base>/api/<path>`, with `query` as search parameters (empty values left out). */
export function get(path, query = {}) {
  const search = new URLSearchParams(Object.entries(query).filter(([, value]) => value !== undefined && value !== null && value !== ''));
  return request('GET', search.size ? `${path}?${search}` : path);
}

/** POST `<base>/api/<path>` with a JSON body. */
export function post(path, body = {}) {
  return request('POST', path, body);
}

/** A path segment from a name or id, whatever it holds. */
export const segment = encodeURIComponent;
