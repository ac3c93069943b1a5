// `progress` of the objects that long operations drive (backups, restores, deployments,
// instances being created or deleted), and of the fleet events about them.
import type { GraphQLContext } from '../../context.js';
import { settledBy, type OperationProgress } from '../../services/operations/progress.js';
import { RestoreType } from '../backups/restore.schema.js';
import { BackupType } from '../backups/backup.schema.js';
import { builder } from '../builder.js';
import { DeploymentType } from '../deployments/deployment.schema.js';
import { FleetEventType, onlyVisible, untilRevoked } from '../fleet/fleet-events.schema.js';
import { companyOf } from '../tenancy.js';
import { OdooInstanceType } from '../instances/instance.types.js';

const ProgressStateEnum = builder.enumType('OperationProgressState', {
  description: 'Where a long operation stands.',
  values: {
    WAITING: { description: 'Not started yet: waiting for a worker, or for earlier work on the instance.' },
    RUNNING: { description: 'Between its first and last step.' },
    SUCCEEDED: { description: 'Finished.' },
    FAILED: { description: 'Stopped on an error (see `error`).' },
    CANCELLED: { description: 'Cancelled before it finished.' },
  } as const,
});

const ProgressType = builder.objectRef<OperationProgress>('OperationProgress').implement({
  description:
    'How far a long operation has come. It changes with each step; follow it on the status subscriptions or `fleetEvents`.',
  fields: (t) => ({
    state: t.field({ type: ProgressStateEnum, description: 'Where it stands.', resolve: (progress) => progress.state }),
    step: t.exposeString('step', { description: 'Name of the current step (stable, for programs).' }),
    stepLabel: t.exposeString('stepLabel', { description: 'What the current step does (for people).' }),
    stepNumber: t.exposeInt('stepNumber', { description: 'Position of the current step, from 1 to `stepsTotal`.' }),
    stepsTotal: t.exposeInt('stepsTotal', { description: 'Number of steps of this kind of operation.' }),
    stepsAhead: t.exposeStringList('stepsAhead', { description: 'What the steps after the current one do, in order.' }),
    percent: t.exposeInt('percent', { description: 'Steps done over all steps, 0 to 100; 100 once it succeeded.' }),
    startedAt: t.field({
      type: 'DateTime',
      description: 'When it was requested.',
      resolve: (progress) => progress.startedAt,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'When it last moved.',
      resolve: (progress) => progress.updatedAt,
    }),
    finishedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it ended.',
      resolve: (progress) => progress.finishedAt,
    }),
    error: t.exposeString('error', { nullable: true, description: 'Why it failed.' }),
  }),
});

const describe = (what: string) => `Progress of the ${what}; null when none was recorded.`;

async function progressOf(
  context: GraphQLContext,
  subject: { id: string; status: string },
): Promise<OperationProgress | null> {
  const progress = await context.loaders.progress.load(subject.id);
  return progress && settledBy(progress, subject.status);
}

builder.objectField(BackupType, 'progress', (t) =>
  t.field({
    type: ProgressType,
    nullable: true,
    description: describe('backup'),
    resolve: (backup, _args, context) => progressOf(context, backup),
  }),
);
builder.objectField(RestoreType, 'progress', (t) =>
  t.field({
    type: ProgressType,
    nullable: true,
    description: describe('restore'),
    resolve: (restore, _args, context) => progressOf(context, restore),
  }),
);
builder.objectField(DeploymentType, 'progress', (t) =>
  t.field({
    type: ProgressType,
    nullable: true,
    description: describe('deployment'),
    resolve: (deployment, _args, context) => progressOf(context, deployment),
  }),
);
builder.objectField(OdooInstanceType, 'progress', (t) =>
  t.field({
    type: ProgressType,
    nullable: true,
    description:
      "Progress of the instance's creation or deletion while one runs; null otherwise (backups and deployments have their own).",
    resolve: async (instance, _args, context) => {
      const progress = await progressOf(context, instance);
      return progress && !progress.finishedAt ? progress : null;
    },
  }),
);
builder.objectField(FleetEventType, 'progress', (t) =>
  t.field({
    type: ProgressType,
    nullable: true,
    description:
      'Progress of the operation behind the change, as it stands when the event is sent; null for HEALTH and LOG events.',
    resolve: (event, _args, context) =>
      event.kind === 'HEALTH' || event.kind === 'LOG'
        ? null
        : progressOf(context, { id: event.subjectId, status: event.status }),
  }),
);

builder.subscriptionField('fleetProgress', (t) =>
  t.field({
    type: FleetEventType,
    description:
      "Each step a long operation of the caller's company takes (a backup, restore, deployment, instance creation or deletion), with its `progress`; the status is the subject's current one, often unchanged. Status changes themselves arrive on `fleetEvents`.",
    authScopes: { member: true },
    subscribe: (_root, _args, context) =>
      untilRevoked(context, onlyVisible(context, context.pubsub.subscribe('operationProgress', companyOf(context)))),
    resolve: (event) => event,
  }),
);
