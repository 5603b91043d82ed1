/** The resolved options (`DashboardConfig`). */
export const DASHBOARD_CONFIG = Symbol('DASHBOARD_CONFIG');
/** Route metadata: what a route does and what kind of thing it is about (`DashboardRoute`). */
export const DASHBOARD_ROUTE = 'nestjs-background:dashboard-route';
export const DEFAULT_DASHBOARD_PATH = 'jobs-dashboard';
/** Jobs per page at most. */
export const MAX_PAGE = 100;
