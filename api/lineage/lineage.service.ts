import { Inject, Injectable } from '@nestjs/common';
import type { Repositories } from '../../db/repositories/index.js';
import { isUuid } from '../common/validate.js';
import { REPOSITORIES } from '../core/tokens.js';
import { InputError } from '../errors/input-error.js';
import type { LineageInput } from './dto/lineage.input.js';
import { LineageDirection, type Lineage } from './models/lineage.model.js';

/** Larger answers are refused with advice, rather than sent whole. */
const MAX_LINEAGE_NODES = 10_000;

/** The lineage graph: every dataset version, run, trial, model version, deployment and drift report, and what links them. */
@Injectable()
export class LineageService {
  constructor(@Inject(REPOSITORIES) private readonly repos: Repositories) {}

  /** The graph around one node, up to `depth` hops in the direction asked. */
  async around(input: LineageInput): Promise<Lineage> {
    if (!isUuid(input.nodeId)) throw InputError.field('input.nodeId', 'must be a UUID');
    const depth = input.depth ?? 5;
    if (!Number.isInteger(depth) || depth < 1 || depth > 10) throw InputError.field('input.depth', 'must be between 1 and 10');
    const type = await this.repos.lineage.nodeType(input.nodeId);
    if (!type) throw InputError.field('input.nodeId', 'is not a dataset version, run, trial, model version, deployment or drift report');
    const graph = await this.repos.lineage.graph(input.nodeId, type, input.direction ?? LineageDirection.BOTH, depth);
    if (graph.nodes.length > MAX_LINEAGE_NODES) {
      throw InputError.field('input.depth', `gives ${graph.nodes.length} nodes, more than ${MAX_LINEAGE_NODES}; ask for fewer hops or one direction`);
    }
    return { root: { ...graph.root, depth: 0 }, nodes: graph.nodes, edges: graph.edges };
  }
}
