/** The sample's routes, each with a ready curl, for its first log lines. */
export function routes(base: string): string[] {
  const json = `-H 'content-type: application/json'`;
  return [
    `POST /orders                      curl -X POST ${base}/orders ${json} -d '{"email":"ada@example.com","lines":[{"sku":"tea","quantity":2}]}'`,
    `GET  /orders/:id                  curl ${base}/orders/<order id>`,
    `GET  /jobs/:id                    curl ${base}/jobs/<job id>`,
    `GET  /health                      curl ${base}/health`,
    `GET  /metrics                     curl ${base}/metrics`,
    `POST /admin/smtp                  curl -X POST ${base}/admin/smtp ${json} -d '{"failing":true}'`,
    `GET  /admin/breakers              curl ${base}/admin/breakers`,
    `GET  /admin/schedules             curl ${base}/admin/schedules`,
    `GET  /admin/dead-letters          curl ${base}/admin/dead-letters`,
    `POST /admin/dead-letters/redrive  curl -X POST ${base}/admin/dead-letters/redrive`,
  ];
}
