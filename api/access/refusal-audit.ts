import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Config } from '../../config.js';
import type { Repositories } from '../../db/repositories/index.js';
import type { PrincipalRefusalRow } from '../../db/schema/access.js';
import { CONFIG, REPOSITORIES } from '../core/tokens.js';

const MINUTE_MS = 60_000;
/** How long after a minute ends it is closed: refusals a process with a slightly late clock counts still fall in. */
const CLOSE_AFTER_MS = 5_000;
/** How often every API process looks for minutes to close. */
const CLOSE_EVERY_MS = 15_000;
const CLOSE_BATCH = 100;

/**
 * A known principal's refusals in the audit history, bounded. The first `auditedRefusalsPerMinute` refusals of a
 * principal in a minute are one `auth.refused` event each, as a governance fact; the rest are only counted (a row
 * per principal and minute in principal_refusals, atomic across API processes), and the minute, once over, is one
 * `auth.refused_aggregated` event with its count. So a valid viewer hammering a mutation it may not call grows the
 * chain by at most the threshold and one event a minute, and no refusal goes uncounted.
 */
@Injectable()
export class RefusalAudit implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Access');
  private readonly threshold: number;
  private timer: NodeJS.Timeout | null = null;
  /** The close under way; closes run one after another. */
  private closing: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(REPOSITORIES) private readonly repos: Repositories,
    @Inject(CONFIG) config: Config,
  ) {
    this.threshold = config.security.auditedRefusalsPerMinute;
  }

  /** Closes the minutes a stopped process left open, then keeps closing them as they end. */
  async onApplicationBootstrap(): Promise<void> {
    await this.closeMinutes().catch((error: Error) => this.logger.warn(`closing minutes of refusals failed, and is tried again: ${error.message}`));
    this.timer = setInterval(() => void this.closeMinutes().catch((error: Error) => this.logger.warn(`closing minutes of refusals failed, and is tried again: ${error.message}`)), CLOSE_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Records one refusal of `actor`: counted always; an audit event of its own when it is among the first of its
   * minute, or falls in a minute already closed (counted by a process whose clock runs late), so the chain misses none.
   */
  async record(actor: string, operation: string, code: string, reason: string, at = new Date()): Promise<void> {
    const counted = await this.repos.access.countPrincipalRefusal({ actor, operation, at });
    if (counted.count > this.threshold && !counted.closedAt) return;
    await this.repos.audit.append({ actor, action: 'auth.refused', subjectType: 'operation', subjectId: operation, payload: { code, reason }, idempotencyKey: `refused:${counted.id}:${counted.count}`, at });
  }

  /**
   * Writes one `auth.refused_aggregated` event for each minute that ended (a few seconds ago, by `now`) with more
   * refusals than were audited one by one, and marks every ended minute closed. Idempotent: the event is keyed by the
   * minute and its count, so processes closing the same minute at once write it once; a minute whose count moved
   * meanwhile is read again, and its newer event names the new total. Returns how many events were written.
   */
  async closeMinutes(now = new Date()): Promise<number> {
    const run = this.closing.then(() => this.closeEnded(now));
    this.closing = run.catch(() => undefined);
    return await run;
  }

  private async closeEnded(now: Date): Promise<number> {
    let written = 0;
    // A bounded number of rounds: a minute whose count keeps moving waits for the next call.
    for (let round = 0; round < 10; round++) {
      const open = await this.repos.access.openPrincipalRefusals(new Date(now.getTime() - CLOSE_AFTER_MS), CLOSE_BATCH);
      for (const row of open) {
        if (row.count > this.threshold) {
          await this.repos.audit.append(this.aggregated(row));
          written++;
        }
        await this.repos.access.closePrincipalRefusal(row.id, row.count, now);
      }
      if (open.length < CLOSE_BATCH) break;
    }
    return written;
  }

  private aggregated(row: PrincipalRefusalRow) {
    return {
      actor: row.actor,
      action: 'auth.refused_aggregated',
      subjectType: 'principal',
      subjectId: row.actor,
      payload: {
        windowStart: row.windowStart.toISOString(),
        windowEnd: new Date(row.windowStart.getTime() + MINUTE_MS).toISOString(),
        count: row.count,
        auditedOneByOne: Math.min(row.count, this.threshold),
        aggregated: row.count - this.threshold,
        operations: row.operations,
      },
      idempotencyKey: `refused:${row.id}:aggregated:${row.count}`,
    };
  }
}
