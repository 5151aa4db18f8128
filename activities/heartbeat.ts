import { heartbeat } from '@temporalio/activity';

/** Runs `work`, heartbeating every few seconds until it ends, so a long wait is not taken for a dead worker. */
export async function whileHeartbeating<T>(details: unknown, work: () => Promise<T>): Promise<T> {
  heartbeat(details);
  const timer = setInterval(() => heartbeat(details), 5_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
