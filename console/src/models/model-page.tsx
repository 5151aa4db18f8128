import { useState } from 'react';
import { useQuery } from 'urql';
import { Link } from 'wouter';
import { refusalOf } from '../graphql/client';
import { graphql } from '../graphql/generated';
import type { ModelPageQuery } from '../graphql/generated/graphql';
import { DeploymentsTimeline } from '../runs/deployments-timeline';
import { ScoringSection } from '../scoring/scoring-jobs';
import { ErrorNote } from '../ui/error-note';
import { formatNumber, formatTime, numericLeaves } from '../ui/format';
import { Markdown } from '../ui/markdown';
import { DownloadButton } from '../ui/download';

const ModelPageDoc = graphql(`
  query ModelPage($name: String!) {
    model(input: { name: $name }) {
      name
      productionVersion {
        id
        version
      }
      versions {
        id
        version
        trainer
        task
        metrics
        createdAt
        runId
        datasetVersionId
        modelCard
        privacy {
          epsilon
          delta
        }
      }
    }
    deploymentHistory(input: { model: $name }) {
      ...DeploymentFields
    }
  }
`);

const ServedAt = graphql(`
  query ServedAt($name: String!, $at: DateTime!) {
    deploymentHistory(input: { model: $name, at: $at }) {
      id
      version
      role
      stage
      trafficPercent
      approvedBy
      startedAt
    }
  }
`);

const Datasheet = graphql(`
  query Datasheet($id: ID!) {
    datasetVersion(input: { id: $id }) {
      datasetName
      version
      datasheet
    }
  }
`);

type Version = ModelPageQuery['model']['versions'][number];

/** One model: its versions with metrics, deployment history, what served at a chosen time, its scoring jobs, its card and datasheet. */
export function ModelPage({ name }: { name: string }) {
  const [result] = useQuery({ query: ModelPageDoc, variables: { name } });
  const [chosen, setChosen] = useState<string | null>(null);
  if (result.error) return <ErrorNote {...refusalOf(result.error)} />;
  if (!result.data) return <p className="loading">Loading…</p>;
  const { model, deploymentHistory } = result.data;
  const versions = [...model.versions].sort((a, b) => b.version - a.version);
  const selected = versions.find((v) => v.id === (chosen ?? model.productionVersion?.id)) ?? versions[0];
  return (
    <article aria-labelledby="model-title">
      <h1 id="model-title">{model.name}</h1>
      <VersionsTable versions={versions} selected={selected?.id} productionId={model.productionVersion?.id} onSelect={setChosen} />
      <DeploymentsTimeline deployments={deploymentHistory} title="Deployment history" />
      <ServedAtPicker name={model.name} />
      <ScoringSection model={model.name} versions={versions.map((v) => v.version)} productionVersion={model.productionVersion?.version} />
      {selected && <ModelCard model={model.name} version={selected} />}
    </article>
  );
}

function VersionsTable({ versions, selected, productionId, onSelect }: { versions: Version[]; selected?: string; productionId?: string; onSelect(id: string): void }) {
  const metricNames = [...new Set(versions.flatMap((v) => Object.keys(numericLeaves(v.metrics))))].sort();
  return (
    <table className="grid" aria-label="Versions">
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Trainer</th>
          {metricNames.map((m) => (
            <th scope="col" key={m} className="num">
              {m}
            </th>
          ))}
          <th scope="col" className="num">
            Privacy (ε)
          </th>
          <th scope="col">Registered</th>
          <th scope="col">Run</th>
          <th scope="col">Card</th>
        </tr>
      </thead>
      <tbody>
        {versions.map((v) => (
          <tr key={v.id} data-testid="version-row">
            <td>
              v{v.version}
              {v.id === productionId ? ' (production)' : ''}
            </td>
            <td>{v.trainer}</td>
            {metricNames.map((m) => (
              <td key={m} className="num">
                {formatNumber(numericLeaves(v.metrics)[m])}
              </td>
            ))}
            <td className="num">{v.privacy ? `${formatNumber(v.privacy.epsilon)} at δ ${v.privacy.delta.toExponential()}` : 'not private'}</td>
            <td>{formatTime(v.createdAt)}</td>
            <td>
              <Link href={`/runs/${v.runId}`}>{v.runId.slice(0, 8)}</Link> · <Link href={`/lineage/${v.id}`}>lineage</Link>
            </td>
            <td>
              <button type="button" className="quiet" aria-pressed={v.id === selected} onClick={() => onSelect(v.id)}>
                {v.id === selected ? 'Shown' : `Show v${v.version}`}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ServedAtPicker({ name }: { name: string }) {
  const [local, setLocal] = useState('');
  const at = local ? new Date(local).toISOString() : null;
  const [result] = useQuery({ query: ServedAt, variables: { name, at: at ?? '' }, pause: !at });
  return (
    <section aria-labelledby="served-title">
      <h2 id="served-title">What served at a time</h2>
      <label>
        Time{' '}
        <input type="datetime-local" step={1} value={local} onChange={(e) => setLocal(e.target.value)} />
      </label>
      {result.error && <ErrorNote {...refusalOf(result.error)} />}
      {at && result.data && (
        <ul data-testid="served-at">
          {result.data.deploymentHistory.length === 0 && <li>Nothing served at {formatTime(at)}.</li>}
          {result.data.deploymentHistory.map((d) => (
            <li key={d.id}>
              v{d.version} {d.stage} {d.role} at {d.trafficPercent}% since {formatTime(d.startedAt)}
              {d.approvedBy.length > 0 ? `, approved by ${d.approvedBy.join(', ')}` : ''}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ModelCard({ model, version }: { model: string; version: Version }) {
  const [sheet] = useQuery({ query: Datasheet, variables: { id: version.datasetVersionId } });
  return (
    <div className="two-columns">
      <section aria-labelledby="card-title" className="card">
        <h2 id="card-title">Model card, v{version.version}</h2>
        <div className="actions">
          <DownloadButton path={`/v1/models/${encodeURIComponent(model)}/versions/${version.version}/export?format=onnx`} fallback={`${model}-v${version.version}.onnx`} label={`Export v${version.version} as ONNX`} />
          <DownloadButton path={`/v1/models/${encodeURIComponent(model)}/versions/${version.version}/export?format=bundle`} fallback={`${model}-v${version.version}.tar.gz`} label={`Export v${version.version} as a signed bundle`} />
        </div>
        <Markdown source={version.modelCard} label={`Model card of v${version.version}`} />
      </section>
      <section aria-labelledby="sheet-title" className="card">
        <h2 id="sheet-title">Datasheet{sheet.data ? `, ${sheet.data.datasetVersion.datasetName} v${sheet.data.datasetVersion.version}` : ''}</h2>
        {sheet.error && <ErrorNote {...refusalOf(sheet.error)} />}
        {sheet.data && <Markdown source={sheet.data.datasetVersion.datasheet} label="Datasheet" />}
      </section>
    </div>
  );
}
