import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuditEntry } from '../../engine/ports/dashboard-store.interface.js';
import { STORAGE_ENGINE, type StorageEngine } from '../../engine/storage-engine.interface.js';
import type { DashboardTarget } from '../dashboard-options.interface.js';
import { DASHBOARD_CONFIG } from '../dashboard.constants.js';
import type { DashboardConfig } from '../dashboard.config.js';

/** Who did what to which, when and how it ended: every write and every refused request, kept in storage (the newest `auditMaxEntries`). */
@Injectable()
export class DashboardAuditLog {
  private readonly logger = new Logger('BackgroundDashboard');

  constructor(
    @Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
  ) {}

  /** Never throws: a write that was done is not reported failed because its audit line was not stored (that is logged). */
  async record(request: unknown, action: string, target: DashboardTarget, outcome: string): Promise<void> {
    let actor: string;
    try {
      actor = String(this.config.actor(request)).slice(0, 200);
    } catch (error) {
      actor = `unknown (actor() threw: ${(error as Error)?.message})`.slice(0, 200);
    }
    const entry: AuditEntry = { at: Date.now(), actor, action, target, outcome: outcome.slice(0, 500) };
    await this.engine.dashboard.appendAudit(entry, this.config.auditMaxEntries).catch((error: Error) => {
      this.logger.warn(`Could not store an audit entry (${action} by ${actor}): ${error.message}`);
    });
  }

  read(from: number, count: number): Promise<AuditEntry[]> {
    return this.engine.dashboard.audit(from, count);
  }
}
