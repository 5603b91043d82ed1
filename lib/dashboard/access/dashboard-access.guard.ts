import { ForbiddenException, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DashboardAuditLog } from '../audit/dashboard-audit.log.js';
import type { DashboardTarget } from '../dashboard-options.interface.js';
import { DASHBOARD_CONFIG, DASHBOARD_ROUTE } from '../dashboard.constants.js';
import type { DashboardConfig } from '../dashboard.config.js';
import { DASHBOARD_CROSS_SITE, DASHBOARD_FORBIDDEN, DASHBOARD_READ_ONLY } from '../dashboard.messages.js';
import type { DashboardRoute } from './dashboard-route.decorator.js';

/**
 * Runs on every dashboard route, after the application's and the module's guards: writes only
 * from the dashboard's own origin (browsers say where a request comes from in `Sec-Fetch-Site`
 * and `Origin`; scripts send neither), none at all when read-only, and `authorize` asked about
 * every request. A refused write is recorded in the audit log.
 */
@Injectable()
export class DashboardAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig,
    private readonly audit: DashboardAuditLog,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = this.reflector.get<DashboardRoute | undefined>(DASHBOARD_ROUTE, context.getHandler());
    // the UI helper's page routes carry no route metadata of ours: they serve no data
    if (!route) return true;
    const request = context.switchToHttp().getRequest();
    const target = targetOf(request, route.kind);
    const refuse = async (message: string): Promise<never> => {
      if (route.action !== 'read') await this.audit.record(request, route.verb ?? route.action, target, `denied: ${message}`);
      throw new ForbiddenException(message);
    };
    if (route.action !== 'read') {
      const crossSite = this.crossSite(request);
      if (crossSite) await refuse(DASHBOARD_CROSS_SITE(crossSite));
      if (this.config.readOnly) await refuse(DASHBOARD_READ_ONLY());
    }
    if (this.config.authorize && !(await this.config.authorize(request, route.action, target))) {
      await refuse(DASHBOARD_FORBIDDEN(route.action, route.kind));
    }
    return true;
  }

  /** The other site a write comes from, or null when it is the dashboard's own (or a script's, which sends no such header). */
  private crossSite(request: any): string | null {
    const header = (name: string): string | undefined => {
      const value = request.headers?.[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const origin = header('origin');
    if (origin !== undefined && origin !== 'null') {
      if (this.config.allowedOrigins.includes(origin)) return null;
      const host = header('x-forwarded-host') ?? header('host');
      let originHost: string | null = null;
      try {
        originHost = new URL(origin).host;
      } catch {
        return origin.slice(0, 200);
      }
      if (originHost !== host) return origin.slice(0, 200);
      return null;
    }
    if (origin === 'null') return 'an opaque origin';
    const site = header('sec-fetch-site');
    if (site === 'cross-site' || site === 'same-site') return `Sec-Fetch-Site: ${site}`;
    return null;
  }
}

/** The target of a request: its kind and the route's named parameters (and `?queue=`). */
export function targetOf(request: any, kind: string): DashboardTarget {
  const target: DashboardTarget = { kind };
  for (const [name, value] of Object.entries(request.params ?? {})) if (typeof value === 'string') target[name] = value;
  const queue = request.query?.queue;
  if (typeof queue === 'string' && target.queue === undefined) target.queue = queue;
  return target;
}
