import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { CheckResult, MonitoringActivities } from '../../activities/monitoring/monitoring.activities.js';
import { PROJECTION_OPTIONS } from '../pipeline/steps.js';
import { NAME_PATTERN } from '../../domain/pipeline/spec.js';
import type { MonitorInput, RetrainAnswer, RetrainKind } from '../../domain/monitoring/messages.js';

const checks = proxyActivities<MonitoringActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: ['BadInput', 'DatasetNotFound'] },
});
const retraining = proxyActivities<MonitoringActivities>({
  // Waits for the retrainer to prepare and start the run: seconds, unless the workers are busy.
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});
const alerts = proxyActivities<MonitoringActivities>(PROJECTION_OPTIONS);

export interface MonitorResult {
  check?: CheckResult;
  retraining?: RetrainAnswer;
  /** The alert this tick recorded, if any. */
  alert?: string;
}

/**
 * One tick of a model's schedule. `monitor`: check the served predictions against the training reference
 * (a drift report), and when a finding crosses its limit and the spec retrains on it, ask the model's
 * retrainer for a retraining. `retrain`: ask for a retraining whatever the drift. Every retraining that
 * starts, or is skipped, leaves an alert saying why.
 */
export async function monitorModel(input: MonitorInput): Promise<MonitorResult> {
  if (typeof input?.model !== 'string' || !NAME_PATTERN.test(input.model)) {
    throw ApplicationFailure.create({ type: 'BadInput', nonRetryable: true, message: `model must be a model name (got ${JSON.stringify(input?.model)})` });
  }
  const { model, scheduleId } = input;
  const { workflowId, startTime } = workflowInfo();
  const by = scheduleId ? ` (schedule ${scheduleId})` : '';

  if (input.action === 'retrain') {
    const answer = await retraining.requestRetraining({ id: workflowId, model, kind: 'schedule', reason: `scheduled retraining${by}`, requestedBy: 'system:schedule' });
    return { retraining: answer, alert: await alert('schedule', answer) };
  }

  const check = await checks.checkModel({ model, key: workflowId, windowEnd: startTime.toISOString(), scheduleId });
  if (check.retrainOn.length === 0 && check.alertOnly.length === 0) return { check };
  if (check.retrainOn.length === 0) {
    const message = `Retraining of ${model} skipped: monitoring.retrain.on does not include ${check.alertOnly.join(' or ')}. Found: ${check.summary}`;
    await alerts.recordAlert({ key: `${workflowId}:alert`, model, type: 'alert.retraining_skipped', message, data: { driftReportId: check.reportId, findings: check.alertOnly, scheduleId } });
    return { check, alert: message };
  }
  const answer = await retraining.requestRetraining({
    id: workflowId,
    model,
    kind: 'drift',
    reason: `${check.retrainOn.join(' and ')} found by the check${by}: ${check.summary}`,
    driftReportId: check.reportId,
    requestedBy: 'system:monitor',
  });
  return { check, retraining: answer, alert: await alert('drift', answer, check.reportId, check.summary) };

  /** Records why the retraining started or was skipped, once per tick. */
  async function alert(kind: RetrainKind, answer: RetrainAnswer, driftReportId?: string, found?: string): Promise<string> {
    const message =
      answer.status === 'started'
        ? `Retraining of ${model} started (run ${answer.runId}): ${answer.reason}`
        : `Retraining of ${model} skipped: ${answer.reason}${found ? `. Found: ${found}` : ''}`;
    await alerts.recordAlert({
      key: `${workflowId}:alert`,
      model,
      type: answer.status === 'started' ? 'alert.retraining_started' : 'alert.retraining_skipped',
      message,
      data: { kind, driftReportId: driftReportId ?? null, scheduleId: scheduleId ?? null, ...(answer.status === 'started' ? { runId: answer.runId, workflowId: answer.workflowId } : {}) },
    });
    return message;
  }
}
