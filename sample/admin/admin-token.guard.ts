import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';

/**
 * Lets a request through only with `Authorization: Bearer <token>`, the token being the server's
 * ADMIN_TOKEN environment variable; without ADMIN_TOKEN nothing gets through. The routes it guards
 * show other users' e-mail addresses, payloads and stack traces, take SMTP down and redrive every
 * dead job.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected = digest(process.env.ADMIN_TOKEN);

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const header = request.headers.authorization;
    const sent = typeof header === 'string' ? /^Bearer (.+)$/i.exec(header)?.[1] : undefined;
    // digests of equal length, compared in constant time: how long a refusal takes says nothing of the token
    const given = digest(sent);
    if (!this.expected || !given || !timingSafeEqual(given, this.expected)) {
      throw new UnauthorizedException('Send the header "Authorization: Bearer <token>", with the token the server has in ADMIN_TOKEN.');
    }
    return true;
  }
}

function digest(token: string | undefined): Buffer | undefined {
  return token ? createHash('sha256').update(token).digest() : undefined;
}
