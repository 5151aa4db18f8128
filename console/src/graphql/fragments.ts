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
