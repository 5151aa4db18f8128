import type { Config } from '../../config.js';

/**
 * The one place that builds Temporal Web UI links: a workflow's page, a schedule's, or (without an id)
 * the namespace's list of either.
 */
export function temporalUiLink(temporal: Config['temporal'], kind: 'workflows' | 'schedules', id?: string): string {
  const list = `${temporal.uiUrl}/namespaces/${encodeURIComponent(temporal.namespace)}/${kind}`;
  return id === undefined ? list : `${list}/${encodeURIComponent(id)}`;
}
