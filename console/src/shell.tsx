import { Link, Redirect, Route, Switch, useRoute } from 'wouter';
import { InboxPage } from './approvals/inbox-page';
import { AuditPage } from './audit/audit-page';
import { ComparePage } from './compare/compare-page';
import { LineagePage } from './lineage/lineage-page';
import { ModelPage } from './models/model-page';
import { ModelsPage } from './models/models-page';
import { MonitoringPage } from './monitoring/monitoring-page';
import { ReportPage } from './monitoring/report-page';
import { RunPage } from './runs/run-page';
import { RunsPage } from './runs/runs-page';
import { SubmitPage } from './runs/submit-page';
import { ScoringPage } from './scoring/scoring-page';
import { useSession } from './session/session';

function NavLink({ href, children }: { href: string; children: string }) {
  const [active] = useRoute(`${href}/*?`);
  return (
    <Link href={href} aria-current={active ? 'page' : undefined}>
      {children}
    </Link>
  );
}

/** The signed-in frame: navigation by domain, who you are, and the page. */
export function Shell() {
  const { me, signOut, may } = useSession();
  return (
    <>
      <header className="top">
        <span className="brand">Custody</span>
        <nav aria-label="Main">
          <NavLink href="/runs">Runs</NavLink>
          {may('submitPipeline') && <NavLink href="/submit">Submit</NavLink>}
          <NavLink href="/approvals">Approvals</NavLink>
          <NavLink href="/models">Models</NavLink>
          <NavLink href="/monitoring">Monitoring</NavLink>
          <NavLink href="/compare">Compare</NavLink>
          <NavLink href="/audit">Audit</NavLink>
          {/* A full page load: the explorer is a page of its own, reading this tab's session. */}
          <a href="/graphql">GraphQL</a>
        </nav>
        <span className="who" data-testid="who">
          {me.name} <span className="role">{me.role}</span>
        </span>
        <button type="button" className="quiet" onClick={() => signOut('You signed out.')}>
          Sign out
        </button>
      </header>
      <main className="page">
        <Switch>
          <Route path="/runs" component={RunsPage} />
          <Route path="/runs/:id">{(params) => <RunPage id={params.id} />}</Route>
          <Route path="/submit" component={SubmitPage} />
          <Route path="/approvals" component={InboxPage} />
          <Route path="/models" component={ModelsPage} />
          <Route path="/models/:name">{(params) => <ModelPage name={decodeURIComponent(params.name)} />}</Route>
          <Route path="/monitoring" component={MonitoringPage} />
          <Route path="/monitoring/reports/:id">{(params) => <ReportPage id={params.id} />}</Route>
          <Route path="/scoring/:id">{(params) => <ScoringPage id={params.id} />}</Route>
          <Route path="/lineage/:id">{(params) => <LineagePage id={params.id} />}</Route>
          <Route path="/compare" component={ComparePage} />
          <Route path="/audit" component={AuditPage} />
          <Route path="/">
            <Redirect to="/runs" />
          </Route>
          <Route>
            <p>There is no such page.</p>
          </Route>
        </Switch>
      </main>
    </>
  );
}
