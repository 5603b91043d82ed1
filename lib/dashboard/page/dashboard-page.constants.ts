/**
 * The Content-Security-Policy of the dashboard's shell and assets: scripts, styles and requests
 * only from the app itself (the assets ship in the package), no inline script or style (so data
 * that slips into the markup cannot run), no framing, no `<base>`, forms post only here.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** Headers of every page and asset the dashboard serves. */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': DASHBOARD_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

/** The dashboard's pages besides the overview: one path segment each (the shell's routes). */
export const DASHBOARD_PAGES = ['dead-letters', 'schedules', 'breakers', 'events', 'workers', 'audit'] as const;

/** Pages under a collection, by id or name: `queues/<queue>`, `jobs/<id>`. */
export const DASHBOARD_ITEM_PAGES = ['queues/:queue', 'jobs/:id'] as const;

/** Hashed assets are immutable: a year, as long as browsers keep anything. */
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';
