import { useQuery } from 'urql';
import { Link } from 'wouter';
import { refusalOf } from '../graphql/client';
import { graphql } from '../graphql/generated';
import { ErrorNote } from '../ui/error-note';
import { formatTime } from '../ui/format';

const Models = graphql(`
  query Models {
    models {
      id
      name
      createdAt
      versions {
        id
      }
      productionVersion {
        version
        trainer
      }
      currentDeployments {
        id
        role
        version
        trafficPercent
        stage
      }
    }
  }
`);

/** The registry: every model, what it serves now, and how many versions it has. */
export function ModelsPage() {
  const [result] = useQuery({ query: Models });
  if (result.error) return <ErrorNote {...refusalOf(result.error)} />;
  const models = result.data?.models;
  return (
    <section aria-labelledby="models-title">
      <h1 id="models-title">Models</h1>
      {!models && <p className="loading">Loading…</p>}
      {models?.length === 0 && <p>No model is registered yet: a run registers one after its evaluation.</p>}
      {models && models.length > 0 && (
        <table className="grid" aria-label="Models">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">In production</th>
              <th scope="col">Serving now</th>
              <th scope="col" className="num">
                Versions
              </th>
              <th scope="col">Registered</th>
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={m.id} data-testid="model-row">
                <td>
                  <Link href={`/models/${encodeURIComponent(m.name)}`}>{m.name}</Link>
                </td>
                <td>{m.productionVersion ? `v${m.productionVersion.version} (${m.productionVersion.trainer})` : '—'}</td>
                <td>{m.currentDeployments.map((d) => `v${d.version} ${d.stage} ${d.role} ${d.trafficPercent}%`).join(', ') || '—'}</td>
                <td className="num">{m.versions.length}</td>
                <td>{formatTime(m.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
