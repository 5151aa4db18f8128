/**
 * Every GraphQL operation the CLI sends. Their result and variable types are generated from
 * schema.gql into types.ts (`npm run graphql:types`); a test fails when that file is stale.
 */

const RUN_SUMMARY = /* GraphQL */ `
  fragment RunSummary on PipelineRun {
    id
    pipelineName
    modelName
    status
    purpose
    trigger
    currentStep
    submittedBy
    createdAt
    finishedAt
    workflowId
    temporalUiUrl
    error {
      type
      message
      details
    }
  }
`;

const RUN_DETAIL = /* GraphQL */ `
  fragment RunDetail on PipelineRun {
    ...RunSummary
    parentRunId
    specHash
    steps {
      name
      status
      attempts
      startedAt
      finishedAt
      error {
        type
        message
      }
    }
    trials {
      index
      trainer
      status
      params
      metrics
      sampleFraction
      reusedFromTrialId
      error
    }
    gates {
      name
      role
      quorum
      status
      deadline
      onTimeout
      approvals {
        actor
        comment
        at
      }
      rejection {
        actor
        comment
        at
      }
    }
    trialsPlanned
    leaderboard {
      rank
      trainer
      metric
      value
      prunedAtRound
      fromHistory
    }
    modelVersion {
      version
      metrics
      privacy {
        epsilon
        delta
      }
    }
    datasetVersion {
      datasetName
      version
      sha256
    }
    deployments {
      stage
      role
      trafficPercent
      version
      endReason
    }
  }
`;

export const ME = /* GraphQL */ `
  query Me {
    me {
      name
      role
    }
  }
`;

export const SUBMIT = /* GraphQL */ `
  mutation Submit($specText: String!) {
    submitPipeline(input: { specText: $specText }) {
      ...RunSummary
    }
  }
  ${RUN_SUMMARY}
`;

export const IMPORT_MODEL = /* GraphQL */ `
  mutation ImportModel($input: ImportModelInput!) {
    importModel(input: $input) {
      ...RunSummary
    }
  }
  ${RUN_SUMMARY}
`;

export const RUNS = /* GraphQL */ `
  query Runs($input: PipelineRunsInput) {
    pipelineRuns(input: $input) {
      nodes {
        ...RunSummary
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
  ${RUN_SUMMARY}
`;

export const RUN = /* GraphQL */ `
  query Run($runId: ID!) {
    pipelineRun(input: { runId: $runId }) {
      ...RunDetail
    }
  }
  ${RUN_SUMMARY}
  ${RUN_DETAIL}
`;

export const CANCEL = /* GraphQL */ `
  mutation Cancel($runId: ID!, $reason: String) {
    cancelRun(input: { runId: $runId, reason: $reason }) {
      ...RunSummary
    }
  }
  ${RUN_SUMMARY}
`;

export const RESUME = /* GraphQL */ `
  mutation Resume($runId: ID!) {
    resumeRun(input: { runId: $runId }) {
      ...RunSummary
    }
  }
  ${RUN_SUMMARY}
`;

export const REPRODUCE = /* GraphQL */ `
  mutation Reproduce($runId: ID!) {
    reproduce(input: { runId: $runId }) {
      ...RunSummary
    }
  }
  ${RUN_SUMMARY}
`;

export const APPROVE = /* GraphQL */ `
  mutation Approve($runId: ID!, $gate: String, $comment: String) {
    approveGate(input: { runId: $runId, gate: $gate, comment: $comment }) {
      name
      status
      quorum
      approvals {
        actor
      }
    }
  }
`;

export const REJECT = /* GraphQL */ `
  mutation Reject($runId: ID!, $gate: String, $comment: String) {
    rejectGate(input: { runId: $runId, gate: $gate, comment: $comment }) {
      name
      status
    }
  }
`;

export const WAITING = /* GraphQL */ `
  query Waiting {
    pipelineRuns(input: { status: awaiting_approval, first: 100 }) {
      nodes {
        id
        pipelineName
        modelName
        submittedBy
        gates {
          name
          role
          quorum
          status
          deadline
          approvals {
            actor
          }
        }
      }
    }
  }
`;

export const MODELS = /* GraphQL */ `
  query Models {
    models {
      name
      createdAt
      productionVersion {
        version
        trainer
        metrics
      }
      versions {
        version
      }
    }
  }
`;

export const MODEL = /* GraphQL */ `
  query Model($name: String!) {
    model(input: { name: $name }) {
      name
      productionVersion {
        version
      }
      currentDeployments {
        stage
        role
        trafficPercent
        version
      }
      versions {
        version
        trainer
        metrics
        runId
        datasetVersionId
        createdAt
      }
    }
  }
`;

export const DATASETS = /* GraphQL */ `
  query Datasets {
    datasets {
      name
      privacyBudget {
        epsilon
        allowNonPrivate
        spent
        remaining
        draws {
          runId
          epsilon
          delta
          drawnBy
          drawnAt
        }
      }
      versions {
        version
        rowCount
        sha256
        registeredBy
        createdAt
      }
    }
  }
`;

export const AUDIT = /* GraphQL */ `
  query Audit($input: AuditTrailInput) {
    auditTrail(input: $input) {
      nodes {
        seq
        at
        actor
        action
        subjectType
        subjectId
        hash
      }
      hasNextPage
      endCursor
    }
  }
`;

export const AUDIT_VERIFY = /* GraphQL */ `
  query AuditVerify {
    verifyAuditTrail {
      ok
      checked
      headSeq
      headHash
      firstBad {
        seq
        reason
      }
    }
  }
`;

export const LINEAGE = /* GraphQL */ `
  query Lineage($input: LineageInput!) {
    lineage(input: $input) {
      root {
        id
        type
      }
      nodes {
        id
        type
        depth
      }
      edges {
        fromId
        toId
        relation
      }
    }
  }
`;

export const TOKENS = /* GraphQL */ `
  query Tokens {
    tokens {
      id
      prefix
      principalName
      role
      createdAt
      lastUsedAt
      expiresAt
      revokedAt
    }
  }
`;

export const CREATE_TOKEN = /* GraphQL */ `
  mutation CreateToken($name: String!, $role: String!, $description: String, $expiresIn: String, $neverExpires: Boolean) {
    createToken(input: { name: $name, role: $role, description: $description, expiresIn: $expiresIn, neverExpires: $neverExpires }) {
      token
      details {
        id
        principalName
        role
        expiresAt
      }
    }
  }
`;

export const ROTATE_TOKEN = /* GraphQL */ `
  mutation RotateToken($id: ID, $overlap: String, $expiresIn: String, $neverExpires: Boolean) {
    rotateToken(input: { id: $id, overlap: $overlap, expiresIn: $expiresIn, neverExpires: $neverExpires }) {
      token
      details {
        id
        principalName
        role
        expiresAt
      }
    }
  }
`;

export const COLLECT_ARTIFACTS = /* GraphQL */ `
  mutation CollectArtifacts($dryRun: Boolean, $minAge: String) {
    collectArtifacts(input: { dryRun: $dryRun, minAge: $minAge }) {
      dryRun
      minAge
      scanned
      kept
      removedCount
      bytesRemoved
      removed {
        sha256
        sizeBytes
      }
    }
  }
`;

export const REVOKE_TOKEN = /* GraphQL */ `
  mutation RevokeToken($id: ID!) {
    revokeToken(input: { id: $id }) {
      id
      revokedAt
    }
  }
`;

export const COMPARE = /* GraphQL */ `
  query Compare($runId: ID!) {
    pipelineRun(input: { runId: $runId }) {
      id
      pipelineName
      status
      datasetVersion {
        datasetName
        version
      }
      leaderboard {
        rank
        trainer
        params
        metric
        value
      }
      modelVersion {
        version
        trainer
        params
        metrics
      }
    }
  }
`;

export const DEPLOYMENT_HISTORY = /* GraphQL */ `
  query DeploymentHistory($model: String!, $at: DateTime) {
    deploymentHistory(input: { model: $model, at: $at }) {
      stage
      role
      version
      trafficPercent
      approvedBy
      startedAt
      endedAt
      endReason
      runId
    }
  }
`;

export const MODEL_CARD = /* GraphQL */ `
  query ModelCard($name: String!) {
    model(input: { name: $name }) {
      productionVersion {
        version
        modelCard
      }
      versions {
        version
        modelCard
      }
    }
  }
`;

export const PREDICT = /* GraphQL */ `
  mutation Predict($model: String!, $inputs: [JSON!]!, $key: String) {
    predict(input: { model: $model, inputs: $inputs, key: $key }) {
      predictionId
      value
      probabilities
      version
      role
      latencyMs
    }
  }
`;

export const DRIFT = /* GraphQL */ `
  query Drift($model: String!) {
    driftReports(input: { model: $model, first: 1 }) {
      nodes {
        id
        status
        createdAt
        windowStart
        windowEnd
        rows
        reasons
        driftedFeatures
        features {
          name
          kind
          psi
          ksPValue
          chiSquarePValue
          drifted
        }
        performance {
          judged
          labelled
          metrics
          failures
        }
      }
    }
  }
`;

const SCHEDULE = /* GraphQL */ `
  fragment ScheduleFields on Schedule {
    id
    model
    action
    score
    cron
    interval
    timeZone
    paused
    nextRuns
    actionsTaken
    note
  }
`;

export const SCHEDULES = /* GraphQL */ `
  query Schedules($model: String) {
    schedules(input: { model: $model }) {
      ...ScheduleFields
    }
  }
  ${SCHEDULE}
`;

export const CREATE_SCHEDULE = /* GraphQL */ `
  mutation CreateSchedule($input: CreateScheduleInput!) {
    createSchedule(input: $input) {
      ...ScheduleFields
    }
  }
  ${SCHEDULE}
`;

export const PAUSE_SCHEDULE = /* GraphQL */ `
  mutation PauseSchedule($id: String!, $note: String) {
    pauseSchedule(input: { id: $id, note: $note }) {
      ...ScheduleFields
    }
  }
  ${SCHEDULE}
`;

export const RESUME_SCHEDULE = /* GraphQL */ `
  mutation ResumeSchedule($id: String!, $note: String) {
    resumeSchedule(input: { id: $id, note: $note }) {
      ...ScheduleFields
    }
  }
  ${SCHEDULE}
`;

export const TRIGGER_SCHEDULE = /* GraphQL */ `
  mutation TriggerSchedule($id: String!) {
    triggerSchedule(input: { id: $id }) {
      ...ScheduleFields
    }
  }
  ${SCHEDULE}
`;

export const DELETE_SCHEDULE = /* GraphQL */ `
  mutation DeleteSchedule($id: String!) {
    deleteSchedule(input: { id: $id }) {
      ...ScheduleFields
    }
  }
  ${SCHEDULE}
`;

export const FIRST_ADMIN = /* GraphQL */ `
  mutation FirstAdmin($name: String!, $bootstrapCode: String!) {
    createFirstAdminToken(input: { name: $name, bootstrapCode: $bootstrapCode }) {
      token
      details {
        principalName
        role
      }
    }
  }
`;

export const HEALTH = /* GraphQL */ `
  query Health {
    health {
      status
      version
      temporal {
        reachable
        address
        namespace
        workerPollers
        pools {
          pool
          taskQueue
          pollers
        }
        uiUrl
        error
      }
      database {
        reachable
        driver
        migration
        pendingMigrations
        error
      }
    }
  }
`;

export const SELF_CHECK = /* GraphQL */ `
  mutation SelfCheck {
    runSelfCheck {
      workflowId
      durationMs
      driver
      migration
    }
  }
`;

export const DATASET_VERSION = /* GraphQL */ `
  query DatasetVersion($name: String!, $version: Int) {
    datasetVersion(input: { name: $name, version: $version }) {
      datasetName
      version
      rowCount
      sha256
      format
      registeredBy
      createdAt
      source
      license
      intendedUse
      datasheet
    }
  }
`;

const SCORING_JOB_FIELDS = /* GraphQL */ `
  fragment ScoringJobDetail on ScoringJob {
    id
    status
    model
    modelVersion {
      version
    }
    inputDatasetVersion {
      datasetName
      version
    }
    outputDataset
    outputDatasetVersion {
      id
      datasetName
      version
      sha256
    }
    chunksTotal
    chunksDone
    rows
    scored
    rejected
    rejectsSha256
    requestedBy
    scheduleId
    createdAt
    finishedAt
    workflowId
    temporalUiUrl
    driftReport {
      id
      status
      rows
      driftedFeatures
    }
    error {
      type
      message
    }
  }
`;

export const SCORE_DATASET = /* GraphQL */ `
  ${SCORING_JOB_FIELDS}
  mutation ScoreDataset($input: ScoreDatasetInput!) {
    scoreDataset(input: $input) {
      ...ScoringJobDetail
    }
  }
`;

export const CANCEL_SCORING_JOB = /* GraphQL */ `
  ${SCORING_JOB_FIELDS}
  mutation CancelScoringJob($id: ID!, $reason: String) {
    cancelScoringJob(input: { id: $id, reason: $reason }) {
      ...ScoringJobDetail
    }
  }
`;

export const SCORING_JOB = /* GraphQL */ `
  ${SCORING_JOB_FIELDS}
  query ScoringJob($id: ID!) {
    scoringJob(input: { id: $id }) {
      ...ScoringJobDetail
    }
  }
`;

export const SCORING_JOBS = /* GraphQL */ `
  ${SCORING_JOB_FIELDS}
  query ScoringJobs($input: ScoringJobsInput) {
    scoringJobs(input: $input) {
      nodes {
        ...ScoringJobDetail
      }
    }
  }
`;

export const RELEASES = /* GraphQL */ `
  query Releases($model: String!, $limit: Int!) {
    releases(input: { model: $model, limit: $limit }) {
      id
      runId
      modelName
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
      looks {
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
        plannedChampion
        plannedChallenger
      }
    }
  }
`;
