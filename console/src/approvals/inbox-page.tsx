import { useCallback, useEffect, useState } from 'react';
import { useClient, type OperationResult } from 'urql';
import { Link } from 'wouter';
import { refusalOf, type Refusal } from '../graphql/client';
import { useLiveRefresh } from '../graphql/live';
import { graphql } from '../graphql/generated';
import type { InboxQuery } from '../graphql/generated/graphql';
import { useSession } from '../session/session';
import { ErrorNote } from '../ui/error-note';
import { formatTime, numericLeaves } from '../ui/format';
import { FairnessTables, MetricsTable, fairnessReports } from '../runs/evaluation-section';
import { RunReleases } from '../releases/release-section';
import { RunExtremes } from '../runs/explanations';
import { DecideGate, mayDecide } from './decide';

const Inbox = graphql(`
  query Inbox($after: String) {
    pipelineRuns(input: { status: awaiting_approval, first: 100, after: $after }) {
      nodes {
        id
        pipelineName
        modelName
        submittedBy
        createdAt
        spec
        steps {
          name
          output
        }
        gates {
          ...GateFields
        }
        modelVersion {
          version
          metrics
          fairness
          modelCard
        }
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`);

type WaitingRun = InboxQuery['pipelineRuns']['nodes'][number];

/** Every run waiting at a gate, all pages of them (there is no cap), refreshed every few seconds. */
function useWaitingRuns(): { runs: WaitingRun[] | null; refusal: Refusal | null; refresh(): void } {
  const client = useClient();
  const [runs, setRuns] = useState<WaitingRun[] | null>(null);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const refresh = useCallback(() => {
    void (async () => {
      const all: WaitingRun[] = [];
      let after: string | null = null;
      do {
        const result: OperationResult<InboxQuery> = await client.query(Inbox, { after }).toPromise();
        if (!result.data) return setRefusal(result.error ? refusalOf(result.error) : { message: 'No answer', issues: [] });
        all.push(...result.data.pipelineRuns.nodes);
        after = result.data.pipelineRuns.pageInfo.hasNextPage ? (result.data.pipelineRuns.pageInfo.endCursor ?? null) : null;
      } while (after);
      setRuns(all);
      setRefusal(null);
    })();
  }, [client]);
  useEffect(refresh, [refresh]);
  useLiveRefresh(refresh, true, 5000);
  return { runs, refusal, refresh };
}

/** The first section of a model card (what the model is for), as text. */
const cardSummary = (markdown: string): string => markdown.split(/\n(?=## )/).slice(0, 2).join('\n').trim();

/** Every open gate the signed-in person may decide: never their own runs, only their role's gates. */
export function InboxPage() {
  const { me } = useSession();
  const { runs, refusal, refresh } = useWaitingRuns();
  const open = (runs ?? []).flatMap((run) => run.gates.filter((gate) => mayDecide(me, gate, run.submittedBy)).map((gate) => ({ run, gate })));
  return (
    <section aria-labelledby="inbox-title">
      <h1 id="inbox-title">Approvals</h1>
      {refusal && <ErrorNote {...refusal} />}
      {runs === null && !refusal && <p className="loading">Loading…</p>}
      {runs !== null && open.length === 0 && <p data-testid="inbox-empty">Nothing waits for you.</p>}
      {open.map(({ run, gate }) => {
        const evaluation = (run.steps.find((s) => s.name === 'evaluate')?.output ?? {}) as { champion?: { version: number; metrics: Record<string, number> } | null };
        const spec = run.spec as { evaluation?: { primaryMetric?: string; thresholds?: Record<string, { min?: number; max?: number }> } };
        return (
          <article key={`${run.id}:${gate.name}`} className="card inbox-item" data-testid="inbox-item" data-run={run.id} aria-labelledby={`inbox-${run.id}-${gate.name}`}>
            <h2 id={`inbox-${run.id}-${gate.name}`}>
              <Link href={`/runs/${run.id}`}>{run.pipelineName}</Link> · {gate.name}
            </h2>
            <p>
              {run.modelName}
              {run.modelVersion ? ` v${run.modelVersion.version}` : ''}, submitted by {run.submittedBy} on {formatTime(run.createdAt)}.
            </p>
            <p>
              Approvals so far: {gate.approvals.length} of {gate.quorum}
              {gate.approvals.length > 0 ? ` (${gate.approvals.map((a) => a.actor).join(', ')})` : ''}. Decide by {formatTime(gate.deadline)}; then it will{' '}
              {gate.onTimeout.replace(/_/g, ' ')}.
            </p>
            {run.modelVersion && (
              <>
                <h3>Model card</h3>
                <pre className="card-summary">{cardSummary(run.modelVersion.modelCard)}</pre>
                <MetricsTable metrics={numericLeaves(run.modelVersion.metrics)} thresholds={spec.evaluation?.thresholds ?? {}} champion={evaluation.champion ?? null} primary={spec.evaluation?.primaryMetric ?? ''} />
                <FairnessTables reports={fairnessReports(run.modelVersion.fairness)} />
                <RunExtremes runId={run.id} />
              </>
            )}
            <RunReleases runId={run.id} />
            <DecideGate runId={run.id} gate={gate.name} onDecided={refresh} />
          </article>
        );
      })}
    </section>
  );
}
