import { builder } from '../builder.js';
import { ownedBy } from '../tenancy.js';

const ActorKindEnum = builder.enumType('ActorKind', {
  description: 'Who performed an audited operation.',
  values: {
    API_KEY: { description: 'A company API key (see `actorId`).' },
    PLATFORM_ADMIN: { description: 'The platform operator token.' },
    SYSTEM: { description: 'The server itself (workers, schedules).' },
  } as const,
});

const AuditOutcomeEnum = builder.enumType('AuditOutcome', {
  description: 'How an audited operation ended.',
  values: {
    SUCCESS: { description: 'It did what was asked.' },
    FAILURE: { description: 'It was refused or failed (see `details.error`).' },
    DENIED: { description: 'The caller was not allowed to run it.' },
  } as const,
});

export const AuditEventType = builder.prismaNode('AuditEvent', {
  description: 'One mutation call: who, what, on which object, and how it ended.',
  id: { field: 'id' },
  authScopes: { role: 'ADMIN' },
  nullable: true,
  findUnique: (id, context) => ownedBy(context, id),
  fields: (t) => ({
    operation: t.exposeString('operation', { description: 'The mutation, e.g. createApiKey.' }),
    actorKind: t.expose('actorKind', { type: ActorKindEnum, description: 'Kind of caller.' }),
    actorId: t.exposeString('actorId', { nullable: true, description: 'Id of the API key that called.' }),
    targetId: t.exposeString('targetId', { nullable: true, description: 'Id of the object acted on.' }),
    outcome: t.expose('outcome', { type: AuditOutcomeEnum, description: 'How it ended.' }),
    details: t.expose('details', { type: 'JSON', description: 'Non-secret details, such as the error kind.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it happened.' }),
  }),
});
