import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The cookie that lets a browser in, after the login form took the admin token. */
export const ADMIN_SESSION_COOKIE = 'admin_session';

/** How long a browser stays logged in. */
export const ADMIN_SESSION_MS = 8 * 60 * 60 * 1000;

/**
 * Sessions for browsers, which cannot send an Authorization header on a link: a cookie of
 * `<expiry>.<HMAC of the expiry keyed by ADMIN_TOKEN>`. It never holds the token itself, it ends
 * after ADMIN_SESSION_MS, and changing ADMIN_TOKEN ends every session. The cookie is HttpOnly
 * (no script reads it) and SameSite=Strict (no other site's page sends it).
 */
export class AdminSession {
  private readonly expected: Buffer | undefined;

  constructor(private readonly token: string | undefined) {
    this.expected = digest(token);
  }

  /** Whether `sent` is the admin token (always false without one). */
  isAdminToken(sent: string | undefined): boolean {
    // digests of equal length, compared in constant time: how long a refusal takes says nothing of the token
    const given = digest(sent);
    return !!this.expected && !!given && timingSafeEqual(given, this.expected);
  }

  /** A new session's cookie value, valid until now + ADMIN_SESSION_MS. */
  issue(now = Date.now()): string {
    const expiry = String(now + ADMIN_SESSION_MS);
    return `${expiry}.${this.sign(expiry)}`;
  }

  /** Whether `value` is a session this server issued that has not expired. */
  verify(value: string | undefined, now = Date.now()): boolean {
    if (!this.token || !value) return false;
    const [expiry, signature] = value.split('.');
    if (!expiry || !signature || !/^\d+$/.test(expiry) || Number(expiry) <= now) return false;
    const expected = Buffer.from(this.sign(expiry));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The `Set-Cookie` header of a session (`secure` over HTTPS), or of its removal with `value` undefined. */
  static cookie(value: string | undefined, secure: boolean): string {
    const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])];
    return value === undefined
      ? [`${ADMIN_SESSION_COOKIE}=`, 'Max-Age=0', ...attributes].join('; ')
      : [`${ADMIN_SESSION_COOKIE}=${value}`, `Max-Age=${ADMIN_SESSION_MS / 1000}`, ...attributes].join('; ');
  }

  /** The session cookie's value from a `Cookie` header, if it has one. */
  static read(header: string | string[] | undefined): string | undefined {
    const text = Array.isArray(header) ? header.join('; ') : (header ?? '');
    for (const pair of text.split(';')) {
      const [name, ...value] = pair.trim().split('=');
      if (name === ADMIN_SESSION_COOKIE) return value.join('=');
    }
    return undefined;
  }

  private sign(expiry: string): string {
    return createHmac('sha256', this.token ?? '').update(`admin-session:${expiry}`).digest('base64url');
  }
}

function digest(token: string | undefined): Buffer | undefined {
  return token ? createHash('sha256').update(token).digest() : undefined;
}
