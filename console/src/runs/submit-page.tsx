import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { useLocation } from 'wouter';
import { refusalOf } from '../graphql/client';
import { graphql } from '../graphql/generated';
import { ErrorNote } from '../ui/error-note';

const Submit = graphql(`
  mutation SubmitPipeline($specText: String!) {
    submitPipeline(input: { specText: $specText }) {
      id
    }
  }
`);

/** Paste a pipeline spec (YAML or JSON) and start its run; every invalid field is named with its path. */
export function SubmitPage() {
  const [text, setText] = useState('');
  const [result, submit] = useMutation(Submit);
  const [, navigate] = useLocation();

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const answer = await submit({ specText: text });
    if (answer.data) navigate(`/runs/${answer.data.submitPipeline.id}`);
  };
  return (
    <section aria-labelledby="submit-title">
      <h1 id="submit-title">Submit a pipeline</h1>
      <form onSubmit={(e) => void onSubmit(e)} className="submit">
        <label htmlFor="spec">Pipeline spec (YAML or JSON), such as examples/iris/pipeline.yaml</label>
        <textarea id="spec" value={text} onChange={(e) => setText(e.target.value)} rows={24} spellCheck={false} className="code" required />
        <button type="submit" disabled={result.fetching || !text.trim()}>
          Submit
        </button>
      </form>
      {result.error && <ErrorNote {...refusalOf(result.error)} />}
    </section>
  );
}
