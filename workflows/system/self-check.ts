import { proxyActivities } from '@temporalio/workflow';
import type { SelfCheckReport, SystemActivities } from '../../activities/system/system.activities.js';

const { checkDatabase } = proxyActivities<SystemActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3, initialInterval: '200 ms' },
});

/** Round trip API → Temporal → worker → database and back: the quickest proof the stack is wired. */
export async function selfCheck(): Promise<SelfCheckReport> {
  return await checkDatabase();
}
