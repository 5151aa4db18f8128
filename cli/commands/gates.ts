import type { Command } from 'commander';
import { mayDecide } from '../../domain/pipeline/gates.js';
import type { Ctx } from '../context.js';
import { CliError, EXIT } from '../exit.js';
import { APPROVE, ME, REJECT, WAITING } from '../graphql/operations.js';
import type { ApproveMutation, ApproveMutationVariables, MeQuery, RejectMutation, RejectMutationVariables, WaitingQuery } from '../graphql/types.js';
import { print, table } from '../output.js';

export function registerGateCommands(program: Command, ctx: () => Ctx): void {
  const gates = program.command('gates').description('approval gates');
  gates
    .command('list')
    .description('the open gates you may decide (not those of runs you submitted)')
    .action(async () => {
      const c = ctx();
      const [{ me }, { pipelineRuns }] = await Promise.all([c.api().request<MeQuery>(ME), c.api().request<WaitingQuery>(WAITING)]);
      const open = pipelineRuns.nodes.flatMap((run) =>
        run.gates
          .filter((g) => mayDecide(me, g, run.submittedBy))
          .map((g) => ({ runId: run.id, pipeline: run.pipelineName, model: run.modelName, submittedBy: run.submittedBy, gate: g.name, role: g.role, approvals: g.approvals.length, quorum: g.quorum, deadline: g.deadline })),
      );
      print(c.out, open, () => table(c.out, ['RUN', 'PIPELINE', 'GATE', 'NEEDS', 'APPROVALS', 'SUBMITTED BY', 'DECIDE BY'], open.map((g) => [g.runId, g.pipeline, g.gate, g.role, `${g.approvals}/${g.quorum}`, g.submittedBy, g.deadline])));
    });

  program
    .command('approve')
    .description('approve the open gate of a run; a refusal says why')
    .argument('<run>', 'the run id')
    .option('--gate <name>', 'the gate, when more than one could be open')
    .option('-m, --message <comment>', 'a comment for the record')
    .action(async (runId: string, opts: { gate?: string; message?: string }) => {
      const c = ctx();
      const { approveGate: gate } = await c.api().request<ApproveMutation, ApproveMutationVariables>(APPROVE, { runId, gate: opts.gate, comment: opts.message });
      print(c.out, gate, () => `gate ${gate.name}: ${gate.status} (${gate.approvals.length} of ${gate.quorum} approvals)`);
    });

  program
    .command('reject')
    .description('reject the open gate of a run, with the reason')
    .argument('<run>', 'the run id')
    .requiredOption('-m, --message <reason>', 'why: required, it goes on the record')
    .option('--gate <name>', 'the gate, when more than one could be open')
    .action(async (runId: string, opts: { gate?: string; message: string }) => {
      const c = ctx();
      if (!opts.message.trim()) throw new CliError('-m REASON must say why', EXIT.usage);
      const { rejectGate: gate } = await c.api().request<RejectMutation, RejectMutationVariables>(REJECT, { runId, gate: opts.gate, comment: opts.message });
      print(c.out, gate, () => `gate ${gate.name}: ${gate.status}`);
    });
}
