/**
 * The `fetch` the console gives KumoClient: same-origin credentials (the HttpOnly session
 * cookie), the X-Kumo-CSRF header the server requires on cookie-authenticated writes, and a
 * callback when the session is gone (401) so the app can go back to the login screen.
 */
export function createBrowserFetch(base: typeof fetch, onUnauthenticated: () => void): typeof fetch {
  return async (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('x-kumo-csrf', '1');
    const res = await base(input, { ...init, headers, credentials: 'same-origin' });
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (res.status === 401 && !url.includes('/api/v1/auth/login')) onUnauthenticated();
    return res;
  };
}
