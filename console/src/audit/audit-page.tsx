import { useState, type FormEvent } from 'react';
import { useClient, useQuery } from 'urql';
import { refusalOf, type Refusal } from '../graphql/client';
import { graphql } from '../graphql/generated';
import type { AuditTrailInput, VerifyAuditQuery } from '../graphql/generated/graphql';
import { ErrorNote } from '../ui/error-note';
import { formatTime } from '../ui/format';
import { JsonView } from '../ui/json-view';

const AuditTrail = graphql(`
  query AuditTrail($input: AuditTrailInput) {
    auditTrail(input: $input) {
      nodes {
        id
        seq
        at
        actor
        action
        subjectType
        subjectId
        payload
        hash
      }
      endCursor
      hasNextPage
    }
  }
`);

const VerifyAudit = graphql(`
  query VerifyAudit {
    verifyAuditTrail {
      ok
      checked
      headSeq
      headHash
      firstBad {
        seq
        id
        reason
      }
    }
  }
`);

interface Search {
  subjectId: string;
  actor: string;
  action: string;
  from: string;
  to: string;
}
const EMPTY: Search = { subjectId: '', actor: '', action: '', from: '', to: '' };

const toInput = (s: Search, after: string | null): AuditTrailInput => ({
  first: 100,
  after,
  subjectId: s.subjectId || null,
  actor: s.actor || null,
  action: s.action || null,
  from: s.from ? new Date(s.from).toISOString() : null,
  to: s.to ? new Date(s.to).toISOString() : null,
});

/** The audit trail in chain order, searchable by subject, actor, action and time, and a check of the whole chain. */
export function AuditPage() {
  const [draft, setDraft] = useState<Search>(EMPTY);
  const [search, setSearch] = useState<Search>(EMPTY);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSearch(draft);
    setCursors([null]);
  };
  const field = (key: keyof Search, label: string, type = 'text') => (
    <label>
      {label}
      <input type={type} step={type === 'datetime-local' ? 1 : undefined} value={draft[key]} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} />
    </label>
  );
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit trail</h1>
      <Verify />
      <form className="filters" onSubmit={submit} aria-label="Search the audit trail">
        {field('subjectId', 'Subject')}
        {field('actor', 'Actor')}
        {field('action', 'Action')}
        {field('from', 'From', 'datetime-local')}
        {field('to', 'To', 'datetime-local')}
        <button type="submit">Search</button>
      </form>
      <table className="grid" aria-label="Audit events">
        <thead>
          <tr>
            <th scope="col" className="num">
              Seq
            </th>
            <th scope="col">When</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Subject</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        {cursors.map((after, i) => (
          <AuditPart key={`${after ?? 'first'}:${JSON.stringify(search)}`} input={toInput(search, after)} last={i === cursors.length - 1} onMore={(c) => setCursors([...cursors, c])} />
        ))}
      </table>
    </section>
  );
}

function AuditPart({ input, last, onMore }: { input: AuditTrailInput; last: boolean; onMore(cursor: string): void }) {
  const [result] = useQuery({ query: AuditTrail, variables: { input } });
  const page = result.data?.auditTrail;
  return (
    <tbody>
      {result.error && (
        <tr>
          <td colSpan={6}>
            <ErrorNote {...refusalOf(result.error)} />
          </td>
        </tr>
      )}
      {page?.nodes.map((e) => (
        <tr key={e.id} data-testid="audit-row">
          <td className="num">{e.seq}</td>
          <td>{formatTime(e.at)}</td>
          <td>{e.actor}</td>
          <td>{e.action}</td>
          <td>
            {e.subjectType} <code>{e.subjectId}</code>
          </td>
          <td>
            <details>
              <summary>payload · {e.hash.slice(0, 12)}</summary>
              <JsonView value={e.payload} />
            </details>
          </td>
        </tr>
      ))}
      {page && page.nodes.length === 0 && input.after === null && (
        <tr>
          <td colSpan={6}>No events match.</td>
        </tr>
      )}
      {last && page?.hasNextPage && page.endCursor && (
        <tr>
          <td colSpan={6}>
            <button type="button" onClick={() => onMore(page.endCursor!)}>
              Load more
            </button>
          </td>
        </tr>
      )}
    </tbody>
  );
}

/** Walks the whole chain on the server and shows its state, naming the first bad event. */
function Verify() {
  const client = useClient();
  const [answer, setAnswer] = useState<VerifyAuditQuery['verifyAuditTrail'] | null>(null);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);
  const verify = async () => {
    setBusy(true);
    const result = await client.query(VerifyAudit, {}).toPromise();
    setBusy(false);
    setAnswer(result.data?.verifyAuditTrail ?? null);
    setRefusal(result.error ? refusalOf(result.error) : null);
  };
  return (
    <div className="card verify">
      <button type="button" onClick={() => void verify()} disabled={busy}>
        {busy ? 'Verifying…' : 'Verify the chain'}
      </button>
      {refusal && <ErrorNote {...refusal} />}
      {answer && (
        <p role="status" data-testid="verify-result" className={answer.ok ? 'verdict-meets' : 'verdict-below'}>
          {answer.ok
            ? `Intact: ${answer.checked} events checked, head #${answer.headSeq} ${answer.headHash.slice(0, 16)}…`
            : `Broken at event #${answer.firstBad?.seq}${answer.firstBad?.id ? ` (${answer.firstBad.id})` : ''}: ${answer.firstBad?.reason}. ${answer.checked} events checked.`}
        </p>
      )}
    </div>
  );
}
