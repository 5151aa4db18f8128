/** The activity both benchmark workflows call: does nothing, so only orchestration is measured. */
export const benchActivities = {
  async noop(): Promise<number> {
    return 0;
  },
};
export type BenchActivities = typeof benchActivities;
