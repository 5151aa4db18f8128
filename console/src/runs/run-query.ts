import { graphql } from '../graphql/generated';
import type { RunDetailQuery } from '../graphql/generated/graphql';

export const RunDetail = graphql(`
  query RunDetail($id: ID!) {
    pipelineRun(input: { runId: $id }) {
      id
      workflowId
      pipelineName
      modelName
      status
      currentStep
      submittedBy
      trigger
      purpose
      parentRunId
      createdAt
      finishedAt
      temporalUiUrl
      spec
      trialsPlanned
      error {
        type
        message
        details
      }
      datasetVersion {
        id
        datasetName
        version
        rowCount
        sha256
      }
      steps {
        name
        position
        status
        attempts
        startedAt
        finishedAt
        output
        error {
          type
          message
          details
        }
      }
      trials {
        id
        index
        trainer
        params
        metrics
        status
        error
        sampleFraction
        startedAt
        finishedAt
        reusedFromTrialId
        prunedAtRound
        seededFromTrialId
      }
      gates {
        ...GateFields
        rejection {
          actor
          at
          comment
        }
      }
      gateDecisions {
        gate
        decision
        actor
        accepted
        refusedReason
        comment
        via
        decidedAt
      }
      deployments {
        ...DeploymentFields
      }
      releases {
        ...ReleaseFields
        looks {
          ...ReleaseLookFields
        }
      }
      modelVersion {
        id
        version
        metrics
        fairness
        importances {
          feature
          importance
          std
        }
        explanations {
          rows
          of
          link
          skipped
          meanAbs {
            feature
            value
          }
          dependence {
            feature
            points
          }
          extremes {
            rank
            output
            top {
              feature
              value
            }
          }
        }
        privacy {
          epsilon
          delta
          noiseMultiplier
          clipNorm
          steps
        }
      }
    }
  }
`);

export type Run = RunDetailQuery['pipelineRun'];
export type Step = Run['steps'][number];
export type Trial = Run['trials'][number];
