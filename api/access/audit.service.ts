import { Inject, Injectable } from '@nestjs/common';
import type { Repositories } from '../../db/repositories/index.js';
import { decodeSeqCursor, encodeSeqCursor, pageSize } from '../common/pagination.js';
import { REPOSITORIES } from '../core/tokens.js';
import type { AuditTrailInput } from './dto/access.input.js';
import type { AuditEventConnection, AuditVerification } from './models/access.model.js';

/** The tamper-evident audit history: read a page of it in chain order, or verify the whole chain. */
@Injectable()
export class AuditService {
  constructor(@Inject(REPOSITORIES) private readonly repos: Repositories) {}

  async trail(input?: AuditTrailInput | null): Promise<AuditEventConnection> {
    const first = pageSize(input?.first, 50, 500);
    const after = input?.after ? decodeSeqCursor(input.after) : 0;
    const rows = await this.repos.audit.list({ subjectId: input?.subjectId, actor: input?.actor, action: input?.action, from: input?.from, to: input?.to }, first + 1, after);
    const page = rows.slice(0, first);
    return { nodes: page, hasNextPage: rows.length > first, endCursor: page.length ? encodeSeqCursor(page.at(-1)!.seq) : null };
  }

  async verify(): Promise<AuditVerification> {
    return await this.repos.audit.verify();
  }
}
