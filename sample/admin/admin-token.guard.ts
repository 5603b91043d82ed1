import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AdminSession } from './admin-session.js';

/**
 * Lets a request through only with `Authorization: Bearer <token>`, the token being the server's
 * ADMIN_TOKEN environment variable, or with the session cookie that the login form
 * (`/admin/login`) sets for a browser once given that token; without ADMIN_TOKEN nothing gets
 * through. The routes it guards show other users' e-mail addresses, payloads and stack traces,
 * take SMTP down and redrive every dead job.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly session = new AdminSession(process.env.ADMIN_TOKEN);

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const header = request.headers.authorization;
    const sent = typeof header === 'string' ? /^Bearer (.+)$/i.exec(header)?.[1] : undefined;
    if (this.session.isAdminToken(sent)) return true;
    if (this.session.verify(AdminSession.read(request.headers.cookie))) return true;
    throw new UnauthorizedException(
      'Send the header "Authorization: Bearer <token>", with the token the server has in ADMIN_TOKEN; in a browser, log in at /admin/login first.',
    );
  }
}
