import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { useLocation } from 'wouter';
import { refusalOf } from '../graphql/client';
import { graphql } from '../graphql/generated';
import type { ScoreDatasetInput } from '../graphql/generated/graphql';
import { ErrorNote } from '../ui/error-note';

const ScoreDataset = graphql(`
  mutation ScoreDataset($input: ScoreDatasetInput!) {
    scoreDataset(input: $input) {
      id
    }
  }
`);

/** The form's fields as typed; every one but the dataset may stay empty, leaving its default to the API. */
const EMPTY = { dataset: '', datasetVersion: '', version: '', output: '', idColumns: '', chunkRows: '', parallelism: '', maxRejectedFraction: '' };
type Fields = typeof EMPTY;

const ERROR_ID = 'score-error';

/** The request as the API takes it: empty fields left out, so the API's defaults (and its words about them) apply. */
function inputOf(model: string, fields: Fields): ScoreDatasetInput {
  const number = (text: string) => (text.trim() === '' ? undefined : Number(text));
  const idColumns = fields.idColumns.split(',').map((c) => c.trim()).filter(Boolean);
  return {
    model,
    dataset: fields.dataset.trim(),
    version: number(fields.version),
    datasetVersion: number(fields.datasetVersion),
    output: fields.output.trim() || undefined,
    idColumns: idColumns.length > 0 ? idColumns : undefined,
    chunkRows: number(fields.chunkRows),
    parallelism: number(fields.parallelism),
    maxRejectedFraction: number(fields.maxRejectedFraction),
  };
}

/**
 * "Score a dataset": a button that opens a small form for a scoring job of this model; on success, the job's page.
 * Ranges are not checked here: the API's refusal names the field, and the form marks it.
 */
export function ScoreDatasetAction({ model, versions, productionVersion }: { model: string; versions: number[]; productionVersion?: number }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="score-action">
      <button type="button" aria-expanded={open} aria-controls={open ? 'score-form' : undefined} onClick={() => setOpen(!open)}>
        Score a dataset
      </button>
      {open && <ScoreForm model={model} versions={versions} productionVersion={productionVersion} />}
    </div>
  );
}

function ScoreForm({ model, versions, productionVersion }: { model: string; versions: number[]; productionVersion?: number }) {
  const [fields, setFields] = useState<Fields>(EMPTY);
  const [monitoring, setMonitoring] = useState(false);
  const [result, score] = useMutation(ScoreDataset);
  const [, navigate] = useLocation();
  const refusal = result.error ? refusalOf(result.error) : null;
  const refused = new Set(refusal?.issues.map((i) => i.path.replace(/^input\./, '')));
  const set = (name: keyof Fields) => (value: string) => setFields({ ...fields, [name]: value });
  const field = (name: keyof Fields) => ({ name, value: fields[name], onChange: set(name), refused: refused.has(name) });

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const answer = await score({ input: { ...inputOf(model, fields), monitoring: monitoring || undefined } });
    if (answer.data) navigate(`/scoring/${answer.data.scoreDataset.id}`);
  };
  return (
    <form id="score-form" className="score-form card" aria-label={`Score a dataset with ${model}`} onSubmit={(e) => void onSubmit(e)}>
      <div className="fields">
        <Field label="Dataset" {...field('dataset')} required />
        <Field label="Dataset version" {...field('datasetVersion')} type="number" placeholder="latest" />
        <div className="field">
          <label htmlFor="score-version">Model version</label>
          <select id="score-version" value={fields.version} onChange={(e) => set('version')(e.target.value)} aria-invalid={refused.has('version') || undefined} aria-describedby={refused.has('version') ? ERROR_ID : undefined}>
            <option value="">{productionVersion ? `in production (v${productionVersion})` : 'in production'}</option>
            {versions.map((v) => (
              <option key={v} value={String(v)}>
                v{v}
              </option>
            ))}
          </select>
        </div>
        <Field label="Output dataset" {...field('output')} placeholder={`${model}-scores`} />
        <Field label="Id columns" {...field('idColumns')} placeholder="such as policy_id, region" />
        <div className="field">
          <label>
            <input type="checkbox" name="monitoring" checked={monitoring} onChange={(e) => setMonitoring(e.target.checked)} /> Drift report of the scored rows
          </label>
        </div>
      </div>
      <details>
        <summary>Advanced options</summary>
        <div className="fields">
          <Field label="Rows per chunk" {...field('chunkRows')} type="number" placeholder="50000" />
          <Field label="Parallelism" {...field('parallelism')} type="number" placeholder="4" />
          <Field label="Max rejected fraction" {...field('maxRejectedFraction')} type="number" step="any" placeholder="0.01" />
        </div>
      </details>
      <div className="actions">
        <button type="submit" disabled={result.fetching || !fields.dataset.trim()}>
          Start scoring
        </button>
      </div>
      {refusal && (
        <div id={ERROR_ID}>
          <ErrorNote {...refusal} />
        </div>
      )}
    </form>
  );
}

interface FieldProps {
  label: string;
  name: string;
  value: string;
  onChange(value: string): void;
  refused: boolean;
  type?: 'text' | 'number';
  step?: string;
  placeholder?: string;
  required?: boolean;
}

/** One labelled input; a field the API refused is marked invalid and pointed at the refusal. */
function Field({ label, name, value, onChange, refused, type = 'text', step = '1', placeholder, required }: FieldProps) {
  return (
    <div className="field">
      <label htmlFor={`score-${name}`}>{label}</label>
      <input
        id={`score-${name}`}
        name={name}
        type={type}
        step={type === 'number' ? step : undefined}
        value={value}
        placeholder={placeholder}
        required={required}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={refused || undefined}
        aria-describedby={refused ? ERROR_ID : undefined}
      />
    </div>
  );
}
