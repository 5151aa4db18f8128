import { Graph, layout } from '@dagrejs/dagre';

export interface Placed {
  id: string;
  x: number;
  y: number;
}
export interface Routed {
  fromId: string;
  toId: string;
  relation: string;
  points: { x: number; y: number }[];
}

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 58;

/** Lays the lineage out left to right (dagre's layered layout): data on the left, what came of it on the right. */
export function layoutLineage(nodeIds: string[], edges: { fromId: string; toId: string; relation: string }[]): { nodes: Placed[]; edges: Routed[]; width: number; height: number } {
  const graph = new Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 70, marginx: 16, marginy: 16 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const id of nodeIds) graph.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  edges.forEach((e, i) => graph.setEdge(e.fromId, e.toId, {}, `${e.relation}:${i}`));
  layout(graph);
  const label = graph.graph();
  return {
    nodes: nodeIds.map((id) => ({ id, x: graph.node(id).x, y: graph.node(id).y })),
    edges: edges.map((e, i) => ({ ...e, points: graph.edge({ v: e.fromId, w: e.toId, name: `${e.relation}:${i}` })?.points ?? [] })),
    width: label.width ?? 0,
    height: label.height ?? 0,
  };
}
