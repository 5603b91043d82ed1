import {
  ForbiddenException,
  HttpException,
  Inject,
  Injectable,
  Logger,
  UnsupportedMediaTypeException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DashboardAuditLog } from '../audit/dashboard-audit.log.js';
import type { DashboardTarget } from '../dashboard-options.interface.js';
import { DASHBOARD_CONFIG, DASHBOARD_ROUTE } from '../dashboard.constants.js';
import type { DashboardConfig } from '../dashboard.config.js';
import { printable } from '../../logging/printable.js';
import { readThrown } from '../../worker/thrown-value.js';
import {
  DASHBOARD_AUTHORIZE_FAILED,
  DASHBOARD_AUTHORIZE_THREW,
  DASHBOARD_CROSS_SITE,
  DASHBOARD_FORBIDDEN,
  DASHBOARD_NOT_JSON,
  DASHBOARD_READ_ONLY,
} from '../dashboard.messages.js';
import type { DashboardRoute } from './dashboard-route.decorator.js';

/**
 * Runs on every dashboard route, after the application's and the module's guards: writes only
 * from the dashboard's own origin (browsers say where a request comes from in `Sec-Fetch-Site`
 * and `Origin`; scripts send neither), none at all when read-only, and `authorize` asked about
 * every request. A refused write is recorded in the audit log.
 */
@Injectable()
export class DashboardAccessGuard implements CanActivate {
  private readonly logger = new Logger('BackgroundDashboard');

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
    const refuse = async (message: string, as: (message: string) => HttpException = (text) => new ForbiddenException(text)): Promise<never> => {
      if (route.action !== 'read') await this.audit.record(request, route.verb ?? route.action, target, `denied: ${message}`);
      throw as(message);
    };
    if (route.action !== 'read') {
      const crossSite = this.crossSite(request);
      if (crossSite) await refuse(DASHBOARD_CROSS_SITE(crossSite));
      // what a page of another site may send without a preflight, and old browsers send without an Origin
      const type = header(request, 'content-type');
      if (type !== undefined && type.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
        await refuse(DASHBOARD_NOT_JSON(type), (text) => new UnsupportedMediaTypeException(text));
      }
      if (this.config.readOnly) await refuse(DASHBOARD_READ_ONLY());
    }
    if (this.config.authorize) {
      let answer: unknown;
      try {
        answer = await this.config.authorize(request, route.action, target);
      } catch (error) {
        // what a policy throws may be anything, even a value String() throws on
        this.logger.warn(DASHBOARD_AUTHORIZE_THREW(route.action, route.kind, printable(readThrown(error).message.slice(0, 500))));
        return refuse(DASHBOARD_AUTHORIZE_FAILED(route.action, route.kind));
      }
      // only true allows: a truthy "no", 1 or a forgotten await must not
      if (answer !== true) await refuse(DASHBOARD_FORBIDDEN(route.action, route.kind));
    }
    return true;
  }

  /** The other site a write comes from, or null when it is the dashboard's own (or a script's, which sends no such header). */
  private crossSite(request: any): string | null {
    const origin = header(request, 'origin');
    if (origin !== undefined && origin !== 'null') {
      if (this.config.allowedOrigins.includes(origin)) return null;
      const host = header(request, 'x-forwarded-host') ?? header(request, 'host');
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
    const site = header(request, 'sec-fetch-site');
    if (site === 'cross-site' || site === 'same-site') return `Sec-Fetch-Site: ${site}`;
    return null;
  }
}

function header(request: any, name: string): string | undefined {
  const value = request.headers?.[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The target of a request: its kind and the route's named parameters (and `?queue=`). */
export function targetOf(request: any, kind: string): DashboardTarget {
  const target: DashboardTarget = { kind };
  for (const [name, value] of Object.entries(request.params ?? {})) if (typeof value === 'string') target[name] = value;
  const queue = request.query?.queue;
  if (typeof queue === 'string' && target.queue === undefined) target.queue = queue;
  return target;
}
