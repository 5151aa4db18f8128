import { useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { Link, useLocation } from 'wouter';
import { refusalOf } from '../graphql/client';
import { graphql } from '../graphql/generated';
import type { LineageDirection, LineageAroundQuery } from '../graphql/generated/graphql';
import { ErrorNote } from '../ui/error-note';
import { formatTime } from '../ui/format';
import { layoutLineage, NODE_HEIGHT, NODE_WIDTH } from './layout';

const LineageAround = graphql(`
  query LineageAround($id: ID!, $direction: LineageDirection, $depth: Int) {
    lineage(input: { nodeId: $id, direction: $direction, depth: $depth }) {
      root {
        id
      }
      nodes {
        id
        type
        depth
        datasetVersion {
          datasetName
          version
        }
        run {
          id
          pipelineName
          status
          purpose
          trigger
        }
        trial {
          index
          trainer
        }
        modelVersion {
          modelName
          version
        }
        deployment {
          modelName
          version
          stage
          role
          trafficPercent
        }
        driftReport {
          id
          model
          status
          createdAt
        }
      }
      edges {
        fromId
        toId
        relation
      }
    }
  }
`);

type Node = LineageAroundQuery['lineage']['nodes'][number];

/** A node's two lines of text and the page it opens. */
function describe(node: Node): { title: string; detail: string; href: string | null } {
  if (node.datasetVersion) return { title: `${node.datasetVersion.datasetName} v${node.datasetVersion.version}`, detail: 'dataset version', href: null };
  if (node.run) return { title: node.run.pipelineName, detail: `run, ${node.run.purpose === 'reproduce' ? 'reproduction' : node.run.trigger}, ${node.run.status.replace(/_/g, ' ')}`, href: `/runs/${node.run.id}` };
  if (node.trial) return { title: `trial ${node.trial.index}`, detail: node.trial.trainer, href: null };
  if (node.modelVersion) return { title: `${node.modelVersion.modelName} v${node.modelVersion.version}`, detail: 'model version', href: `/models/${encodeURIComponent(node.modelVersion.modelName)}` };
  if (node.deployment) return { title: `${node.deployment.stage} ${node.deployment.role}`, detail: `v${node.deployment.version} at ${node.deployment.trafficPercent}%`, href: `/models/${encodeURIComponent(node.deployment.modelName)}` };
  if (node.driftReport) return { title: `drift ${node.driftReport.status}`, detail: formatTime(node.driftReport.createdAt), href: `/monitoring/reports/${node.driftReport.id}` };
  // The API gives a scoring job's node no fields of its own; its id is the job's.
  if (node.type === 'scoring_job') return { title: 'scoring job', detail: node.id.slice(0, 8), href: `/scoring/${node.id}` };
  return { title: node.type, detail: node.id.slice(0, 8), href: null };
}

/**
 * The lineage graph around any node: dataset version → run → trial → model version → deployment →
 * drift report → retraining run. A node opens its page; "centre here" redraws the graph around it.
 */
export function LineagePage({ id }: { id: string }) {
  const [direction, setDirection] = useState<LineageDirection>('BOTH');
  const [depth, setDepth] = useState(6);
  const [result] = useQuery({ query: LineageAround, variables: { id, direction, depth } });
  return (
    <section aria-labelledby="lineage-title">
      <h1 id="lineage-title">Lineage</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Lineage options">
        <label>
          Direction
          <select value={direction} onChange={(e) => setDirection(e.target.value as LineageDirection)}>
            <option value="BOTH">both</option>
            <option value="UPSTREAM">what it came from</option>
            <option value="DOWNSTREAM">what came from it</option>
          </select>
        </label>
        <label>
          Depth
          <input type="number" min={1} max={20} value={depth} onChange={(e) => setDepth(Math.max(1, Math.min(20, Number(e.target.value) || 1)))} />
        </label>
      </form>
      {result.error && <ErrorNote {...refusalOf(result.error)} />}
      {result.data && <LineageGraph lineage={result.data.lineage} />}
    </section>
  );
}

function LineageGraph({ lineage }: { lineage: LineageAroundQuery['lineage'] }) {
  const [, navigate] = useLocation();
  const placed = useMemo(() => layoutLineage(lineage.nodes.map((n) => n.id), lineage.edges), [lineage]);
  const byId = new Map(lineage.nodes.map((n) => [n.id, n]));
  return (
    <div className="lineage" style={{ width: placed.width, height: placed.height }} data-testid="lineage-graph">
      <svg width={placed.width} height={placed.height} aria-hidden="true">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" fill="#57606a" />
          </marker>
        </defs>
        {placed.edges.map((e, i) => {
          const d = e.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
          const mid = e.points[Math.floor(e.points.length / 2)];
          return (
            <g key={`${e.fromId}-${e.toId}-${i}`} data-testid="lineage-edge" data-relation={e.relation}>
              <path d={d} fill="none" stroke="#8c959f" strokeWidth={1.5} markerEnd="url(#arrow)" />
              {mid && (
                <text x={mid.x} y={mid.y - 4} textAnchor="middle" className="edge-label">
                  {e.relation.replace(/_/g, ' ')}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      {placed.nodes.map((p) => {
        const node = byId.get(p.id)!;
        const text = describe(node);
        return (
          <div
            key={p.id}
            className={`lineage-node node-${node.type}${node.id === lineage.root.id ? ' root' : ''}`}
            style={{ left: p.x - NODE_WIDTH / 2, top: p.y - NODE_HEIGHT / 2, width: NODE_WIDTH, height: NODE_HEIGHT }}
            data-testid="lineage-node"
            data-type={node.type}
          >
            {text.href ? (
              <Link href={text.href} className="node-title">
                {text.title}
              </Link>
            ) : (
              <span className="node-title">{text.title}</span>
            )}
            <span className="node-detail">{text.detail}</span>
            {node.id !== lineage.root.id && (
              <button type="button" className="link" onClick={() => navigate(`/lineage/${node.id}`)} aria-label={`Centre the lineage on ${text.title}`}>
                centre here
              </button>
            )}
          </div>
        );
      })}
    </div>
  );
}
