import { Controller, Get, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DASHBOARD_ASSETS, DASHBOARD_ASSETS_VERSION } from './dashboard-assets.generated.js';
import { ASSET_CACHE_CONTROL, DASHBOARD_ITEM_PAGES, DASHBOARD_PAGES, DASHBOARD_SECURITY_HEADERS } from './dashboard-page.constants.js';
import { renderShell } from './dashboard.shell.js';

/**
 * The dashboard's HTML pages and browser assets, under the module's path like its JSON API, so the
 * same guards apply. Every page route answers the same shell; its script renders the page the URL
 * names from the API's JSON. Assets are served from the package under a hash of their content.
 */
@Controller()
export class DashboardPageController {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  @Get()
  overview(@Req() request: unknown, @Res({ passthrough: true }) response: unknown): string {
    return this.shell(request, response, 0);
  }

  @Get([...DASHBOARD_PAGES])
  page(@Req() request: unknown, @Res({ passthrough: true }) response: unknown): string {
    return this.shell(request, response, 1);
  }

  @Get([...DASHBOARD_ITEM_PAGES])
  item(@Req() request: unknown, @Res({ passthrough: true }) response: unknown): string {
    return this.shell(request, response, 2);
  }

  @Get('assets/:version/:file')
  asset(@Param('version') version: string, @Param('file') file: string, @Res({ passthrough: true }) response: unknown): string {
    return this.send(response, version, file);
  }

  @Get('assets/:version/:folder/:file')
  nestedAsset(
    @Param('version') version: string,
    @Param('folder') folder: string,
    @Param('file') file: string,
    @Res({ passthrough: true }) response: unknown,
  ): string {
    return this.send(response, version, `${folder}/${file}`);
  }

  /** The shell, linking assets under the path this request came through, less the page's `depth` segments. */
  private shell(request: unknown, response: unknown, depth: number): string {
    const url = this.adapterHost.httpAdapter.getRequestUrl(request) as string;
    const segments = url.split(/[?#]/)[0]!.replace(/\/+$/, '').split('/');
    this.headers(response, { ...DASHBOARD_SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    return renderShell(segments.slice(0, segments.length - depth).join('/'));
  }

  private send(response: unknown, version: string, name: string): string {
    const asset = Object.hasOwn(DASHBOARD_ASSETS, name) ? DASHBOARD_ASSETS[name] : undefined;
    // an older shell's version is gone: the shell is never cached, so a reload asks for the current one
    if (!asset || version !== DASHBOARD_ASSETS_VERSION) throw new NotFoundException(`The dashboard has no asset ${version}/${name}.`);
    this.headers(response, { ...DASHBOARD_SECURITY_HEADERS, 'Content-Type': asset.type, 'Cache-Control': ASSET_CACHE_CONTROL });
    return asset.body;
  }

  private headers(response: unknown, headers: Record<string, string>): void {
    for (const [name, value] of Object.entries(headers)) this.adapterHost.httpAdapter.setHeader(response, name, value);
  }
}
