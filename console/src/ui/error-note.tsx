import type { FieldIssue } from '../graphql/client';

/** A refusal as text: the message, then each named field with its reason. Never rendered as HTML. */
export function ErrorNote({ message, issues = [] }: { message: string; issues?: FieldIssue[] }) {
  return (
    <div className="error" role="alert">
      <p>{message}</p>
      {issues.length > 0 && (
        <ul aria-label="Fields refused">
          {issues.map((issue) => (
            <li key={`${issue.path}:${issue.message}`}>
              <code>{issue.path}</code> {issue.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
