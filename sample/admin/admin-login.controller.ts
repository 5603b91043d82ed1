import { Body, Controller, Get, Header, Post, Req, Res } from '@nestjs/common';
import { AdminLoginDto } from './admin-login.dto.js';
import { AdminSession } from './admin-session.js';

/** Where a successful login goes: the dashboard the sample mounts. */
export const DASHBOARD_PATH = '/jobs-dashboard';

const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'Cache-Control': 'no-store',
};

interface HttpRequest {
  protocol?: string;
}
interface HttpResponse {
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): void;
  redirect(status: number, url: string): void;
  send(body: string): void;
}

/**
 * A browser's way in to the dashboard: a form that takes the admin token and, if it is right, sets
 * the session cookie AdminTokenGuard accepts, then goes to the dashboard. No script, no framing.
 */
@Controller('admin')
export class AdminLoginController {
  private readonly session = new AdminSession(process.env.ADMIN_TOKEN);

  @Get('login')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', PAGE_HEADERS['Content-Security-Policy'])
  @Header('Cache-Control', PAGE_HEADERS['Cache-Control'])
  form(): string {
    return page('');
  }

  @Post('login')
  login(@Body() body: AdminLoginDto, @Req() request: HttpRequest, @Res() response: HttpResponse): void {
    if (!this.session.isAdminToken(body.token)) {
      for (const [name, value] of Object.entries(PAGE_HEADERS)) response.setHeader(name, value);
      response.setHeader('Content-Type', 'text/html; charset=utf-8');
      response.status(401).send(page(process.env.ADMIN_TOKEN ? 'That is not the admin token.' : 'ADMIN_TOKEN is unset on the server: nobody can log in.'));
      return;
    }
    response.setHeader('Set-Cookie', AdminSession.cookie(this.session.issue(), request.protocol === 'https'));
    response.redirect(303, DASHBOARD_PATH);
  }

  @Post('logout')
  logout(@Req() request: HttpRequest, @Res() response: HttpResponse): void {
    response.setHeader('Set-Cookie', AdminSession.cookie(undefined, request.protocol === 'https'));
    response.redirect(303, '/admin/login');
  }
}

/** The form; `problem` is one of this file's own sentences, never the user's input. */
function page(problem: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>Log in: jobs dashboard</title></head>
<body><main><h1>Jobs dashboard</h1>
${problem ? `<p role="alert">${problem}</p>` : ''}
<form method="post" action="/admin/login">
<label>Admin token <input name="token" type="password" autocomplete="current-password" required autofocus></label>
<button type="submit">Log in</button>
</form></main></body></html>
`;
}
