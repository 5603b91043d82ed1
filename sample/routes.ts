/** The sample's routes, each with a ready curl, for its first log lines: every route of its controllers. */
export function routes(base: string): string[] {
  const json = `-H 'content-type: application/json'`;
  // the shell fills in the token: the log never shows it
  const admin = `-H "Authorization: Bearer $ADMIN_TOKEN"`;
  const list: [route: string, curl: string][] = [
    ['POST /orders', `curl -X POST ${base}/orders ${json} -d '{"email":"ada@example.com","lines":[{"sku":"tea","quantity":2}]}'`],
    ['GET  /orders/:id', `curl ${base}/orders/<order id>`],
    ['GET  /jobs/:id', `curl ${admin} ${base}/jobs/<job id>`],
    ['GET  /health', `curl ${base}/health`],
    ['GET  /metrics', `curl ${base}/metrics`],
    ['POST /admin/smtp', `curl ${admin} -X POST ${base}/admin/smtp ${json} -d '{"failing":true}'`],
    ['POST /admin/smtp/test', `curl ${admin} -X POST ${base}/admin/smtp/test`],
    ['GET  /admin/breakers', `curl ${admin} ${base}/admin/breakers`],
    ['POST /admin/breakers/:name/reset', `curl ${admin} -X POST ${base}/admin/breakers/smtp/reset`],
    ['GET  /admin/schedules', `curl ${admin} ${base}/admin/schedules`],
    ['GET  /admin/dead-letters', `curl ${admin} ${base}/admin/dead-letters`],
    ['POST /admin/dead-letters/:id/redrive', `curl ${admin} -X POST ${base}/admin/dead-letters/<job id>/redrive`],
    ['POST /admin/dead-letters/redrive', `curl ${admin} -X POST ${base}/admin/dead-letters/redrive`],
    // a browser logs in with the token once; the session cookie then opens the dashboard
    ['GET  /admin/login', `open ${base}/admin/login in a browser and give it the token: it opens the dashboard`],
    ['GET  /jobs-dashboard', `open ${base}/jobs-dashboard once logged in (its JSON API: ${base}/jobs-dashboard/api, docs/dashboard-api.md)`],
    ['POST /admin/login', `curl -i -X POST ${base}/admin/login --data-urlencode "token=$ADMIN_TOKEN"`],
    ['POST /admin/logout', `curl -X POST ${base}/admin/logout`],
  ];
  const width = Math.max(...list.map(([route]) => route.length)) + 2;
  return list.map(([route, curl]) => `${route.padEnd(width)}${curl}`);
}

/** What the log says of the admin token: how to pass it, never the token itself. */
export function adminNote(tokenSet: boolean): string {
  return tokenSet
    ? 'The /admin routes, GET /jobs/:id and the dashboard (/jobs-dashboard) need the header "Authorization: Bearer $ADMIN_TOKEN" (the curls below send it from your shell\'s ADMIN_TOKEN); a browser logs in once at /admin/login.'
    : 'ADMIN_TOKEN is unset, so the /admin routes, GET /jobs/:id and the dashboard answer 401 to everyone. Start with ADMIN_TOKEN=$(openssl rand -hex 32) npm start, and export the same ADMIN_TOKEN in the shell you send the curls below from.';
}
