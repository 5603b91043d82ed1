import { Controller, Get, Header } from '@nestjs/common';

/**
 * The HTML shell of the dashboard's pages (`<path>` and `<path>/*`) and its assets. A stub until
 * the browser side lands: it says where the JSON API is. The module mounts it under `path`.
 */
@Controller()
export class DashboardPageController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', "default-src 'none'")
  shell(): string {
    return '<!doctype html><title>Jobs dashboard</title><p>The dashboard API is under ./api (see docs/dashboard-api.md).</p>';
  }
}
