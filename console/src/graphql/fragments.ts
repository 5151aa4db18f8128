import { graphql } from './generated';

/** The fields of a gate every page that shows one reads: its state, who may decide, and who has. */
export const GateFields = graphql(`
  fragment GateFields on Gate {
    name
    status
    role
    quorum
    deadline
    onTimeout
    approvals {
      actor
      at
      comment
    }
  }
`);

/** A deployment as the timelines draw it. */
export const DeploymentFields = graphql(`
  fragment DeploymentFields on Deployment {
    id
    stage
    role
    version
    trafficPercent
    startedAt
    endedAt
    endReason
    approvedBy
  }
`);

/** One column's drift, with the histograms PSI compared. */
export const ColumnDriftFields = graphql(`
  fragment ColumnDriftFields on ColumnDrift {
    name
    kind
    psi
    ksStatistic
    ksPValue
    chiSquare
    chiSquarePValue
    drifted
    reasons
    referenceCount
    currentCount
    bins {
      labels
      reference
      current
    }
  }
`);

/** A release strategy (shadow or A/B test) with its report; an A/B test's report holds its latest look. */
export const ReleaseFields = graphql(`
  fragment ReleaseFields on Release {
    id
    strategy
    status
    outcome
    challengerVersion
    championVersion
    settings
    report
    checks {
      name
      required
      actual
      passed
    }
    startedAt
    endedAt
  }
`);

/** Every look of an A/B test, for its plot over time. */
export const ReleaseLookFields = graphql(`
  fragment ReleaseLookFields on ReleaseLook {
    look
    at
    estimate
    lower
    upper
    pValue
    champion {
      version
      predictions
      labelled
      estimate
    }
    challenger {
      version
      predictions
      labelled
      estimate
    }
  }
`);
