// The error shapes of the schema: an `Error` interface, and one type per domain error,
// listed on mutation payloads through the errors plugin.
import { builder } from '../builder.js';
import {
  ConflictError,
  DomainError,
  InvalidInputError,
  NotFoundError,
  ProviderAuthError,
  ProviderUnavailableError,
  UnsupportedError,
  type FieldError,
} from './error-classes.js';

export const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
  description: 'An expected failure of an operation, with a message meant for people.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, in plain words.' }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The object does not exist, or belongs to another company.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    resource: t.exposeString('resource', { description: 'The kind of object that was looked up.' }),
    id: t.exposeString('id', { description: 'The id that was not found.' }),
  }),
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'The operation conflicts with the current state (a name taken, work already running).',
  interfaces: [ErrorInterface],
});

const FieldErrorType = builder.objectRef<FieldError>('FieldError').implement({
  description: 'One invalid input field.',
  fields: (t) => ({
    path: t.exposeStringList('path', { description: 'Path of the field inside the input.' }),
    message: t.exposeString('message', { description: 'Why the value was refused.' }),
  }),
});

builder.objectType(InvalidInputError, {
  name: 'InvalidInputError',
  description: 'The input was refused; nothing was changed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    fieldErrors: t.field({
      type: [FieldErrorType],
      description: 'Every invalid field with its reason.',
      resolve: (error) => error.fieldErrors,
    }),
  }),
});

builder.objectType(UnsupportedError, {
  name: 'UnsupportedError',
  description:
    "The instance's provider cannot do this (e.g. Odoo.sh does not install modules over RPC); nothing was changed.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    capability: t.exposeString('capability', { description: 'What the provider lacks, e.g. `deployByModuleInstall`.' }),
    deploymentMethod: t.exposeString('deploymentMethod', {
      description: 'The provider of the instance, e.g. `ODOO_SH`.',
    }),
  }),
});

builder.objectType(ProviderUnavailableError, {
  name: 'ProviderUnavailableError',
  description:
    'The provider could not be reached or refused for a reason of its own; nothing was changed. Try again later.',
  interfaces: [ErrorInterface],
});

builder.objectType(ProviderAuthError, {
  name: 'ProviderAuthError',
  description:
    'The provider refused the credentials stored for this instance (e.g. Odoo refused the login); nothing was changed. Correct them with `setInstanceCredentials`.',
  interfaces: [ErrorInterface],
});
