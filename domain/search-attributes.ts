import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

/**
 * Custom search attributes, so operators can filter runs in the Temporal UI, for example
 * `CustodyModel = "iris" AND CustodyStatus = "awaiting_approval"`. The worker registers them at start.
 */
export const CUSTODY_PIPELINE = defineSearchAttributeKey('CustodyPipeline', SearchAttributeType.KEYWORD);
export const CUSTODY_MODEL = defineSearchAttributeKey('CustodyModel', SearchAttributeType.KEYWORD);
/**
 * The step a run was at, upserted at every step by runs started before `pipeline-generation-3`; kept registered
 * so they stay searchable. Newer runs name their step in the UI's current details and their writes' summaries.
 */
export const CUSTODY_STAGE = defineSearchAttributeKey('CustodyStage', SearchAttributeType.KEYWORD);
export const CUSTODY_STATUS = defineSearchAttributeKey('CustodyStatus', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [CUSTODY_PIPELINE, CUSTODY_MODEL, CUSTODY_STAGE, CUSTODY_STATUS] as const;

/** The search attributes a pipeline run starts with, however it is started (API, resume, retrainer). */
export function pipelineSearchAttributes(run: { pipeline: string; model: string }): SearchAttributePair[] {
  return [
    { key: CUSTODY_PIPELINE, value: run.pipeline },
    { key: CUSTODY_MODEL, value: run.model },
    { key: CUSTODY_STATUS, value: 'running' },
  ];
}
