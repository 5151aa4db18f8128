import { sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../client.js';

export type LineageDirection = 'UPSTREAM' | 'DOWNSTREAM' | 'BOTH';
export type LineageNodeType = 'dataset_version' | 'run' | 'trial' | 'model_version' | 'deployment';

export interface LineageGraph {
  root: { id: string; type: LineageNodeType };
  nodes: { id: string; type: LineageNodeType; depth: number }[];
  edges: { fromId: string; toId: string; relation: string }[];
}

/**
 * The lineage graph around one node, computed in Postgres with a recursive CTE over the
 * `lineage_edges` view: upstream (what it came from), downstream (what came from it) or both,
 * up to `depth` hops.
 */
export class LineageRepository {
  constructor(private readonly db: Db) {}

  async nodeType(id: string): Promise<LineageNodeType | null> {
    const rows = rowsOf<{ type: LineageNodeType }>(await this.db.execute(sql`select type from lineage_nodes where id = ${id}::uuid limit 1`));
    return rows[0]?.type ?? null;
  }

  async graph(rootId: string, rootType: LineageNodeType, direction: LineageDirection, depth: number): Promise<LineageGraph> {
    const walk = async (down: boolean) => {
      const step = down
        ? sql`select e.to_id, e.to_type, w.depth + 1 from walk w join lineage_edges e on e.from_id = w.id where w.depth < ${depth}`
        : sql`select e.from_id, e.from_type, w.depth + 1 from walk w join lineage_edges e on e.to_id = w.id where w.depth < ${depth}`;
      return rowsOf<{ id: string; type: LineageNodeType; depth: number }>(
        await this.db.execute(sql`
          with recursive walk(id, type, depth) as (
            select ${rootId}::uuid, ${rootType}::text, 0
            union
            ${step}
          )
          select id, type, min(depth)::int as depth from walk group by id, type`),
      );
    };
    const found = new Map<string, { id: string; type: LineageNodeType; depth: number }>();
    const parts = direction === 'BOTH' ? [await walk(false), await walk(true)] : [await walk(direction === 'DOWNSTREAM')];
    for (const node of parts.flat()) {
      const seen = found.get(node.id);
      if (!seen || node.depth < seen.depth) found.set(node.id, node);
    }
    const ids = [...found.keys()];
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
