import { useMutation, useQuery } from 'urql';
import { refusalOf } from '../graphql/client';
import { graphql } from '../graphql/generated';
import { useSession } from '../session/session';
import { ErrorNote } from '../ui/error-note';
import { formatTime } from '../ui/format';

const Schedules = graphql(`
  query Schedules($model: String!) {
    schedules(input: { model: $model }) {
      id
      action
      cron
      interval
      timeZone
      paused
      note
      nextRuns
      actionsTaken
      temporalUiUrl
    }
  }
`);

const Pause = graphql(`
  mutation PauseSchedule($id: String!) {
    pauseSchedule(input: { id: $id, note: "paused from the console" }) {
      id
      paused
    }
  }
`);
const Resume = graphql(`
  mutation ResumeSchedule($id: String!) {
    resumeSchedule(input: { id: $id }) {
      id
      paused
    }
  }
`);
const Trigger = graphql(`
  mutation TriggerSchedule($id: String!) {
    triggerSchedule(input: { id: $id }) {
      id
      actionsTaken
    }
  }
`);

/** A model's schedules as Temporal describes them, with pause, resume and trigger for those allowed. */
export function SchedulesSection({ model }: { model: string }) {
  const { may } = useSession();
  const [result, refetch] = useQuery({ query: Schedules, variables: { model } });
  const [paused, pause] = useMutation(Pause);
  const [resumed, resume] = useMutation(Resume);
  const [triggered, trigger] = useMutation(Trigger);
  const error = result.error ?? paused.error ?? resumed.error ?? triggered.error;
  const act = async (run: Promise<unknown>) => {
    await run;
    refetch({ requestPolicy: 'network-only' });
  };
  return (
    <section aria-labelledby="schedules-title">
      <h2 id="schedules-title">Schedules</h2>
      {error && <ErrorNote {...refusalOf(error)} />}
      {result.data?.schedules.length === 0 && <p>No schedules for this model.</p>}
      {result.data && result.data.schedules.length > 0 && (
        <table className="grid" aria-label="Schedules">
          <thead>
            <tr>
              <th scope="col">Schedule</th>
              <th scope="col">Does</th>
              <th scope="col">When</th>
              <th scope="col">Next</th>
              <th scope="col" className="num">
                Taken
              </th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {result.data.schedules.map((s) => (
              <tr key={s.id} data-testid="schedule-row">
                <td>
                  <a href={s.temporalUiUrl} target="_blank" rel="noreferrer noopener">
                    {s.id}
                  </a>
                </td>
                <td>{s.action.toLowerCase()}</td>
                <td>{s.cron ? `${s.cron} (${s.timeZone})` : `every ${s.interval}`}</td>
                <td>{s.paused ? '—' : formatTime(s.nextRuns[0])}</td>
                <td className="num">{s.actionsTaken}</td>
                <td>{s.paused ? `paused${s.note ? `: ${s.note}` : ''}` : 'active'}</td>
                <td>
                  <div className="actions">
                  {may('pauseSchedule') && !s.paused && (
                    <button type="button" onClick={() => void act(pause({ id: s.id }))}>
                      Pause
                    </button>
                  )}
                  {may('resumeSchedule') && s.paused && (
                    <button type="button" onClick={() => void act(resume({ id: s.id }))}>
                      Resume
                    </button>
                  )}
                  {may('triggerSchedule') && (
                    <button type="button" onClick={() => void act(trigger({ id: s.id }))}>
                      Trigger now
                    </button>
                  )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
