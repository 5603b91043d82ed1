import { HttpException, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, mergeMap, catchError, type Observable } from 'rxjs';
import { targetOf } from '../access/dashboard-access.guard.js';
import type { DashboardRoute } from '../access/dashboard-route.decorator.js';
import { DASHBOARD_ROUTE } from '../dashboard.constants.js';
import { DashboardAuditLog } from './dashboard-audit.log.js';
import { readThrown } from '../../worker/thrown-value.js';

/** Records each write the dashboard did or failed to do, once it is done (reads are not recorded). */
@Injectable()
export class DashboardAuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: DashboardAuditLog,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const route = this.reflector.get<DashboardRoute | undefined>(DASHBOARD_ROUTE, context.getHandler());
    if (!route || route.action === 'read') return next.handle();
    const request = context.switchToHttp().getRequest();
    const target = targetOf(request, route.kind);
    const verb = route.verb ?? route.action;
    return next.handle().pipe(
      mergeMap((result) => from(this.audit.record(request, verb, target, outcomeOf(result)).then(() => result))),
      catchError((error: unknown) =>
        from(
          this.audit.record(request, verb, target, `failed: ${messageOf(error)}`).then(() => {
            throw error;
          }),
        ),
      ),
    );
  }
}

/** A write's reply, in a few words: `ok`, or what it counted. */
function outcomeOf(result: unknown): string {
  if (result && typeof result === 'object') {
    const counted = Object.entries(result).filter(([, value]) => typeof value === 'number' || typeof value === 'boolean');
    if (counted.length > 0) return `ok (${counted.map(([key, value]) => `${key}: ${value}`).join(', ')})`;
  }
  return 'ok';
}

function messageOf(error: unknown): string {
  const { error: read, message } = readThrown(error);
  // read is the thrown Error itself when it is one, so instanceof is safe on it
  return read instanceof HttpException ? `${read.getStatus()} ${message}` : message;
}
