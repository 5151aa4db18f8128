import type { Command } from 'commander';
import { connection, graphqlUrl, saveLogin } from '../config.js';
import type { Ctx } from '../context.js';
import { CliError, EXIT, wholeNumber } from '../exit.js';
import { AUDIT, AUDIT_VERIFY, COLLECT_ARTIFACTS, CREATE_TOKEN, FIRST_ADMIN, HEALTH, LINEAGE, ME, REVOKE_TOKEN, ROTATE_TOKEN, SELF_CHECK, TOKENS } from '../graphql/operations.js';
import type {
  AuditQuery,
  AuditQueryVariables,
  AuditVerifyQuery,
  CreateTokenMutation,
  CreateTokenMutationVariables,
  CollectArtifactsMutation,
  CollectArtifactsMutationVariables,
  RotateTokenMutation,
  RotateTokenMutationVariables,
  FirstAdminMutation,
  FirstAdminMutationVariables,
  HealthQuery,
  SelfCheckMutation,
  LineageQuery,
  LineageQueryVariables,
  MeQuery,
  RevokeTokenMutation,
  TokensQuery,
} from '../graphql/types.js';
import { print, table } from '../output.js';
import { Api } from '../api.js';

type Graph = LineageQuery['lineage'];

/** A token piped in (`--token -`): the first line of stdin. */
async function readStdinToken(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  const token = text.split(/\r?\n/)[0]!.trim();
  if (!token) throw new CliError('--token - read no token from stdin', EXIT.usage);
  return token;
}

/** The lineage graph in Graphviz DOT: nodes labelled by type and short id, edges by relation. */
export function toDot(graph: Graph): string {
  const quote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  const lines = ['digraph lineage {', '  rankdir=LR;', '  node [shape=box];'];
  for (const node of graph.nodes) lines.push(`  ${quote(node.id)} [label=${quote(`${node.type}\n${node.id.slice(0, 8)}`)}${node.id === graph.root.id ? ', style=bold' : ''}];`);
  for (const edge of graph.edges) lines.push(`  ${quote(edge.fromId)} -> ${quote(edge.toId)} [label=${quote(edge.relation)}];`);
  lines.push('}');
  return lines.join('\n');
}

/** The lineage graph as an indented tree from its root, following edges both ways. */
function toTree(graph: Graph): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const lines: string[] = [];
  const seen = new Set<string>();
  const walk = (id: string, prefix: string, via: string) => {
    const node = byId.get(id);
    lines.push(`${prefix}${via}${node?.type ?? '?'} ${id}`);
    if (seen.has(id)) return;
    seen.add(id);
    for (const e of graph.edges.filter((e) => e.fromId === id && !seen.has(e.toId))) walk(e.toId, prefix + '  ', `─${e.relation}→ `);
    for (const e of graph.edges.filter((e) => e.toId === id && !seen.has(e.fromId))) walk(e.fromId, prefix + '  ', `←${e.relation}─ `);
  };
  walk(graph.root.id, '', '');
  return lines.join('\n');
}

export function registerAdminCommands(program: Command, ctx: () => Ctx): void {
  program
    .command('login')
    .description('save the server and token to use (readable by you only); CUSTODY_URL and CUSTODY_TOKEN override it')
    .requiredOption('--url <url>', 'the server, such as http://127.0.0.1:4000')
    .option('--token <token>', 'an API token (custody tokens create); - reads it from stdin, out of your shell history')
    .option('--first-admin-code <code>', 'on an empty server: the one-time code it printed at start; creates the first admin')
    .option('--name <name>', 'with --first-admin-code: the first admin, such as you@example.com')
    .action(async (opts: { url: string; token?: string; firstAdminCode?: string; name?: string }) => {
      const c = ctx();
      if (Boolean(opts.token) === Boolean(opts.firstAdminCode)) throw new CliError('give --token, or --first-admin-code with --name', EXIT.usage);
      if (opts.firstAdminCode && !opts.name) throw new CliError('--first-admin-code needs --name, the first admin (such as you@example.com)', EXIT.usage);
      const url = graphqlUrl(opts.url);
      if (opts.firstAdminCode) {
        const variables = { name: opts.name!, bootstrapCode: opts.firstAdminCode };
        const { token } = (await new Api({ url, token: null }).request<FirstAdminMutation, FirstAdminMutationVariables>(FIRST_ADMIN, variables)).createFirstAdminToken;
        // The code works once: keep the token before anything else can fail, and show it if it cannot be kept.
        try {
          c.err(`created the first admin, ${opts.name}; saved in ${saveLogin(c.env, { url, token })} (the token is not shown again)`);
        } catch (error) {
          c.err(`created the first admin, ${opts.name}, but could not save the login (${(error as Error).message}); its token, shown once: ${token}`);
          throw new CliError('the login was not saved', EXIT.failed);
        }
        return;
      }
      const login = { url, token: opts.token === '-' ? await readStdinToken() : opts.token! };
      const { me } = await new Api(login).request<MeQuery>(ME);
      const file = saveLogin(c.env, login);
      c.err(`logged in to ${login.url} as ${me.name} (${me.role}); saved in ${file}`);
    });
  program
    .command('health')
    .description('whether Temporal (with workers polling) and the database are reachable; needs no token; exits 8 when degraded')
    .action(async () => {
      const c = ctx();
      const { health: h } = await c.api().request<HealthQuery>(HEALTH);
      print(c.out, h, () =>
        [
          `${h.status} (Custody ${h.version})`,
          `temporal: ${h.temporal.reachable ? `reachable at ${h.temporal.address}, ${h.temporal.workerPollers ?? 0} workers polling` : `unreachable: ${h.temporal.error}`}`,
          `database: ${h.database.reachable ? `${h.database.driver}, migration ${h.database.migration}, ${h.database.pendingMigrations} pending` : `unreachable: ${h.database.error}`}`,
          ...(h.temporal.pools ?? []).map((p) => `${p.pool} pool: ${p.pollers} workers polling ${p.taskQueue}`),
        ].join('\n'),
      );
      if (h.status !== 'ok') process.exitCode = EXIT.unreachable;
    });
  program
    .command('self-check')
    .description('run a tiny workflow through a worker to the database and back')
    .action(async () => {
      const c = ctx();
      const { runSelfCheck: s } = await c.api().request<SelfCheckMutation>(SELF_CHECK);
      print(c.out, s, () => `ok in ${s.durationMs} ms: workflow ${s.workflowId}, ${s.driver} at migration ${s.migration}`);
    });
  program
    .command('whoami')
    .description('who the token belongs to')
    .action(async () => {
      const c = ctx();
      const { me } = await c.api().request<MeQuery>(ME);
      print(c.out, me, () => `${me.name} (${me.role})`);
    });

  program
    .command('lineage')
    .description('the lineage graph around a dataset version, run, trial, model version, deployment or drift report')
    .argument('<node>', 'the node id')
    .option('--format <format>', 'tree, dot (pipe into Graphviz) or json', 'tree')
    .option('--depth <n>', 'hops from the node (1 to 10)', '5')
    .action(async (nodeId: string, opts: { format: string; depth: string }) => {
      const c = ctx();
      if (!['tree', 'dot', 'json'].includes(opts.format)) throw new CliError('--format must be tree, dot or json', EXIT.usage);
      const { lineage } = await c.api().request<LineageQuery, LineageQueryVariables>(LINEAGE, { input: { nodeId, depth: wholeNumber('--depth', opts.depth, 1, 10) } });
      if (opts.format === 'dot') c.out.write(toDot(lineage) + '\n');
      else if (opts.format === 'json') c.out.write(JSON.stringify(lineage, null, 2) + '\n');
      else print(c.out, lineage, () => toTree(lineage));
    });

  const audit = program.command('audit').description('the tamper-evident audit history');
  audit
    .command('list')
    .description('audit events in chain order')
    .option('--subject <id>', 'only events about this subject (a run, model, dataset…)')
    .option('--actor <name>', 'only events by this actor')
    .option('--action <action>', 'only this action, such as gate.decided')
    .option('--since <time>', 'only events at or after this ISO time')
    .option('--limit <n>', 'at most this many (1 to 500)', '50')
    .action(async (opts: { subject?: string; actor?: string; action?: string; since?: string; limit: string }) => {
      const c = ctx();
      if (opts.since && Number.isNaN(Date.parse(opts.since))) throw new CliError('--since must be an ISO time, such as 2026-01-31T12:00:00Z', EXIT.usage);
      const input = { subjectId: opts.subject, actor: opts.actor, action: opts.action, from: opts.since ? new Date(opts.since).toISOString() : undefined, first: wholeNumber('--limit', opts.limit, 1, 500) };
      const { auditTrail } = await c.api().request<AuditQuery, AuditQueryVariables>(AUDIT, { input });
      print(c.out, auditTrail.nodes, () => table(c.out, ['SEQ', 'AT', 'ACTOR', 'ACTION', 'SUBJECT'], auditTrail.nodes.map((e) => [e.seq, e.at, e.actor, e.action, `${e.subjectType} ${e.subjectId}`])));
    });
  audit
    .command('verify')
    .description('walk the whole chain; exits 3 and names the first bad event when it was altered')
    .action(async () => {
      const c = ctx();
      const { verifyAuditTrail: v } = await c.api().request<AuditVerifyQuery>(AUDIT_VERIFY);
      print(c.out, v, () => (v.ok ? `ok: ${v.checked} events, head ${v.headSeq} ${v.headHash}` : `BROKEN at event ${v.firstBad!.seq}: ${v.firstBad!.reason}`));
      if (!v.ok) process.exitCode = EXIT.failed;
    });

  program
    .command('artifacts')
    .description('the artifact store')
    .command('gc')
    .description('list (or, with --apply, remove) stored content that no record, audit event, run step or spec refers to (admins)')
    .option('--apply', 'remove it; without this, a dry run that changes nothing')
    .option('--min-age <duration>', 'keep anything younger than this, such as 24h or 7d (24h by default, at least 1h)')
    .action(async (opts: { apply?: boolean; minAge?: string }) => {
      const c = ctx();
      const { collectArtifacts: r } = await c.api().request<CollectArtifactsMutation, CollectArtifactsMutationVariables>(COLLECT_ARTIFACTS, { dryRun: !opts.apply, minAge: opts.minAge });
      const verb = r.dryRun ? 'would remove' : 'removed';
      print(c.out, r, () => [`${r.scanned} stored, ${r.kept} kept; ${verb} ${r.removedCount} (${r.bytesRemoved} bytes), older than ${r.minAge}`, ...r.removed.map((a) => `  ${a.sha256}  ${a.sizeBytes}`)].join('\n'));
    });

  const tokens = program.command('tokens').description('API tokens (rotate your own; the rest is for admins)');
  tokens
    .command('list')
    .description('every token, without secrets')
    .action(async () => {
      const c = ctx();
      const { tokens: all } = await c.api().request<TokensQuery>(TOKENS);
      print(c.out, all, () => table(c.out, ['ID', 'PREFIX', 'PRINCIPAL', 'ROLE', 'CREATED', 'LAST USED', 'EXPIRES', 'REVOKED'], all.map((t) => [t.id, t.prefix, t.principalName, t.role, t.createdAt, t.lastUsedAt, t.expiresAt ?? 'never', t.revokedAt])));
    });
  tokens
    .command('create')
    .description('issue a token to a principal, creating it or changing its role; the token is shown once')
    .argument('<name>', 'the principal, such as ana@example.com')
    .argument('<role>', 'viewer, submitter, approver or admin')
    .option('--description <text>', 'what the token is for')
    .option('--expires-in <duration>', 'how long it works, such as 30d or 12h (90d by default, at most 730d)')
    .option('--never-expires', 'a service token that never expires')
    .action(async (name: string, role: string, opts: { description?: string; expiresIn?: string; neverExpires?: boolean }) => {
      const c = ctx();
      const variables = { name, role, description: opts.description, expiresIn: opts.expiresIn, neverExpires: opts.neverExpires };
      const { createToken: t } = await c.api().request<CreateTokenMutation, CreateTokenMutationVariables>(CREATE_TOKEN, variables);
      print(c.out, t, () => `${t.details.principalName} (${t.details.role}, expires ${t.details.expiresAt ?? 'never'}): ${t.token}\nThe token is not shown again.`);
    });
  tokens
    .command('rotate')
    .description("issue a successor to your token (or, for admins, anyone's); the old one keeps working for the overlap. Rotating the saved login's token saves its successor")
    .option('--id <id>', 'the token to rotate; the one you are using when omitted')
    .option('--overlap <duration>', 'how long the old token keeps working, such as 1h or 7d (1h by default, at most 30d)')
    .option('--expires-in <duration>', "the successor's lifetime (90d by default; never for a token made to never expire)")
    .option('--never-expires', 'a successor that never expires')
    .action(async (opts: { id?: string; overlap?: string; expiresIn?: string; neverExpires?: boolean }) => {
      const c = ctx();
      const variables = { id: opts.id, overlap: opts.overlap, expiresIn: opts.expiresIn, neverExpires: opts.neverExpires };
      const { rotateToken: t } = await c.api().request<RotateTokenMutation, RotateTokenMutationVariables>(ROTATE_TOKEN, variables);
      const saved = !opts.id && !c.env.token ? saveLogin(c.env, { url: connection(c.env).url, token: t.token }) : null;
      const shown = saved ? `saved in ${saved}` : `${t.token}\nThe token is not shown again.`;
      print(c.out, saved ? { ...t, token: undefined, savedIn: saved } : t, () => `${t.details.principalName} (${t.details.role}, expires ${t.details.expiresAt ?? 'never'}): ${shown}`);
    });
  tokens
    .command('revoke')
    .description('revoke a token at once')
    .argument('<id>', 'the token id')
    .action(async (id: string) => {
      const c = ctx();
      const { revokeToken: t } = await c.api().request<RevokeTokenMutation, { id: string }>(REVOKE_TOKEN, { id });
      print(c.out, t, () => `revoked ${t.id} at ${t.revokedAt}`);
    });
}
