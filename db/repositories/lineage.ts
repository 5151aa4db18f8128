import { sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../client.js';

export type LineageDirection = 'UPSTREAM' | 'DOWNSTREAM' | 'BOTH';
export type LineageNodeType = 'dataset_version' | 'run' | 'trial' | 'model_version' | 'deployment' | 'drift_report' | 'scoring_job';

export interface LineageGraph {
  root: { id: string; type: LineageNodeType };
  nodes: { id: string; type: LineageNodeType; depth: number }[];
  edges: { fromId: string; toId: string; relation: string }[];
}

/**
 * The lineage graph around one node, computed in Postgres with a recursive CTE: upstream (what it
 * came from), downstream (what came from it) or both, up to `depth` hops. The `lineage_edges` view
 * names the same edges for listing them.
 */
export class LineageRepository {
  constructor(private readonly db: Db) {}

  async nodeType(id: string): Promise<LineageNodeType | null> {
    const rows = rowsOf<{ type: LineageNodeType }>(await this.db.execute(sql`select type from lineage_nodes where id = ${id}::uuid limit 1`));
    return rows[0]?.type ?? null;
  }

  async graph(rootId: string, rootType: LineageNodeType, direction: LineageDirection, depth: number): Promise<LineageGraph> {
    // One LATERAL branch per kind of edge, each an index lookup keyed by the node's type: the planner
    // then walks the graph with index scans instead of joining whole tables through the edges view.
    const downstream = sql`
      select r.id, 'run'::text from pipeline_runs r where w.type = 'dataset_version' and r.dataset_version_id = w.id
      union all select r.id, 'run' from pipeline_runs r where w.type = 'run' and r.parent_run_id = w.id
      union all select t.id, 'trial' from trials t where w.type = 'run' and t.run_id = w.id
      union all select m.id, 'model_version' from model_versions m where w.type = 'run' and m.run_id = w.id
      union all select m.id, 'model_version' from model_versions m where w.type = 'trial' and m.trial_id = w.id
      union all select d.id, 'deployment' from deployments d where w.type = 'model_version' and d.model_version_id = w.id
      union all select d.id, 'drift_report' from drift_reports d where w.type = 'model_version' and d.model_version_id = w.id
        and exists (select 1 from pipeline_runs t where t.drift_report_id = d.id)
      union all select r.id, 'run' from pipeline_runs r where w.type = 'drift_report' and r.drift_report_id = w.id
      union all select j.id, 'scoring_job' from scoring_jobs j where w.type = 'dataset_version' and j.input_dataset_version_id = w.id
      union all select j.id, 'scoring_job' from scoring_jobs j where w.type = 'model_version' and j.model_version_id = w.id
      union all select j.output_dataset_version_id, 'dataset_version' from scoring_jobs j where w.type = 'scoring_job' and j.id = w.id and j.output_dataset_version_id is not null`;
    const upstream = sql`
      select r.dataset_version_id, 'dataset_version'::text from pipeline_runs r where w.type = 'run' and r.id = w.id and r.dataset_version_id is not null
      union all select r.parent_run_id, 'run' from pipeline_runs r where w.type = 'run' and r.id = w.id and r.parent_run_id is not null
      union all select t.run_id, 'run' from trials t where w.type = 'trial' and t.id = w.id
      union all select m.run_id, 'run' from model_versions m where w.type = 'model_version' and m.id = w.id
      union all select m.trial_id, 'trial' from model_versions m where w.type = 'model_version' and m.id = w.id and m.trial_id is not null
      union all select d.model_version_id, 'model_version' from deployments d where w.type = 'deployment' and d.id = w.id
      union all select r.drift_report_id, 'drift_report' from pipeline_runs r where w.type = 'run' and r.id = w.id and r.drift_report_id is not null
      union all select d.model_version_id, 'model_version' from drift_reports d where w.type = 'drift_report' and d.id = w.id
      union all select j.input_dataset_version_id, 'dataset_version' from scoring_jobs j where w.type = 'scoring_job' and j.id = w.id
      union all select j.model_version_id, 'model_version' from scoring_jobs j where w.type = 'scoring_job' and j.id = w.id
      union all select j.id, 'scoring_job' from scoring_jobs j where w.type = 'dataset_version' and j.output_dataset_version_id = w.id`;
    const walk = async (down: boolean) =>
      rowsOf<{ id: string; type: LineageNodeType; depth: number }>(
        await this.db.execute(sql`
          with recursive walk(id, type, depth) as (
            select ${rootId}::uuid, ${rootType}::text, 0
            union
            select next.id, next.type, w.depth + 1
            from walk w cross join lateral (${down ? downstream : upstream}) as next(id, type)
            where w.depth < ${depth}
          )
          select id, type, min(depth)::int as depth from walk group by id, type`),
      );
    const found = new Map<string, { id: string; type: LineageNodeType; depth: number }>();
    const parts = direction === 'BOTH' ? [await walk(false), await walk(true)] : [await walk(direction === 'DOWNSTREAM')];
    for (const node of parts.flat()) {
      const seen = found.get(node.id);
      if (!seen || node.depth < seen.depth) found.set(node.id, node);
    }
    const ids = [...found.keys()];
    if (ids.length > 10_000) return { root: { id: rootId, type: rootType }, nodes: [...found.values()], edges: [] };
    const edges = rowsOf<{ from_id: string; to_id: string; relation: string }>(
      await this.db.execute(sql`
        select from_id, to_id, relation from lineage_edges
        where from_id in ${ids} and to_id in ${ids}`),
    );
    return {
      root: { id: rootId, type: rootType },
      nodes: [...found.values()].sort((a, b) => a.depth - b.depth || (a.type < b.type ? -1 : a.type > b.type ? 1 : a.id < b.id ? -1 : 1)),
      edges: edges.map((e) => ({ fromId: e.from_id, toId: e.to_id, relation: e.relation })).sort((a, b) => (a.fromId + a.toId < b.fromId + b.toId ? -1 : 1)),
    };
  }
}
