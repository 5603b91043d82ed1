import { DASHBOARD_ASSETS_VERSION } from './dashboard-assets.generated.js';
import { DASHBOARD_PAGES } from './dashboard-page.constants.js';

/** The label of each page in the navigation, in order; the overview is the path itself. */
const NAVIGATION: readonly [page: '' | (typeof DASHBOARD_PAGES)[number], label: string][] = [
  ['', 'Overview'],
  ['dead-letters', 'Dead letters'],
  ['schedules', 'Schedules'],
  ['breakers', 'Breakers'],
  ['events', 'Events'],
  ['workers', 'Workers'],
  ['audit', 'Audit log'],
];

/**
 * The HTML every page route answers: no data and no inline script, only links to the hashed
 * assets; the page's script reads the base path from a meta tag and fetches the data as JSON.
 * `base` is the path the dashboard is mounted at (global prefix included), without a trailing slash.
 */
export function renderShell(base: string): string {
  const root = escapeHtml(base);
  const assets = `${root}/assets/${DASHBOARD_ASSETS_VERSION}`;
  const links = NAVIGATION.map(([page, label]) => `<a href="${root}/${page}" data-page="${page || 'overview'}">${label}</a>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="dashboard-base" content="${root}">
<title>Jobs dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assets}/dashboard.css">
<link rel="modulepreload" href="${assets}/app.js">
<script type="module" src="${assets}/app.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="${root}/">Jobs</a>
<nav aria-label="Dashboard pages">${links}</nav>
<span id="live" class="live" role="status" aria-live="polite">connecting</span>
</header>
<main id="main" tabindex="-1"><p class="muted">Loading…</p></main>
<noscript><p>The dashboard needs JavaScript; its data is also at ${root}/api.</p></noscript>
</body>
</html>
`;
}

/** The base path goes into attributes: escape what could end one or start a tag. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
