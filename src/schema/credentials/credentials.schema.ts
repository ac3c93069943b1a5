import { setInstanceCredentials } from '../../services/credentials/credentials.js';
import { builder } from '../builder.js';
import { maxLength } from '../input-guard.js';

/** As long as the service accepts (tokens of some hosts are long). */
const secretLength = maxLength(4096);
import { InvalidInputError, NotFoundError } from '../errors/error-classes.js';
import { OdooInstanceType } from '../instances/instance.types.js';
import { audited, resultTypes } from '../mutation-result.js';
import { companyOf, ownedBy } from '../tenancy.js';

const SetInstanceCredentialsInput = builder.inputType('SetInstanceCredentialsInput', {
  description:
    'Secrets of an instance, stored encrypted and never returned. A field left out keeps its value; null clears it.',
  fields: (t) => ({
    instanceId: t.globalID({ for: OdooInstanceType, required: true, description: 'Global id of the instance.' }),
    providerToken: t.string({
      required: false,
      description: 'Odoo.sh API token of this instance.',
      extensions: secretLength,
    }),
    odooLogin: t.string({ required: false, description: 'Odoo administrator login (self-hosted).' }),
    odooPassword: t.string({
      required: false,
      description: 'Password or API key of that login.',
      extensions: secretLength,
    }),
    masterPassword: t.string({
      required: false,
      description: 'Database manager master password (self-hosted).',
      extensions: secretLength,
    }),
    odooApiKey: t.string({
      required: false,
      description:
        'Self-hosted Odoo 19+: an API key of that login, for the JSON-2 API. Without one the fleet makes a key from the password.',
      extensions: secretLength,
    }),
    gitCredential: t.string({
      required: false,
      description: "Token for pushing to the instance's git repository.",
      extensions: secretLength,
    }),
    gitRepositoryUrl: t.string({
      required: false,
      description:
        'Moves the instance to this repository in the same write, binding `gitCredential` to it (null clears the repository).',
    }),
    serverUrl: t.string({
      required: false,
      description:
        'Self-hosted: moves the instance to this Odoo server in the same write, binding the passwords given here to it.',
    }),
  }),
});

builder.mutationField('setInstanceCredentials', (t) =>
  t.prismaField({
    type: OdooInstanceType,
    description:
      'Stores the secrets an instance needs (admins only), each bound to the destination it is sent to: the repository, the Odoo server or the provider API. Read back `credentialsConfigured`, never the values.',
    authScopes: { role: 'ADMIN' },
    args: { input: t.arg({ type: SetInstanceCredentialsInput, required: true, description: 'The secrets.' }) },
    errors: {
      types: [NotFoundError, InvalidInputError],
      ...resultTypes('setInstanceCredentials', 'instance', 'The secrets are stored.'),
    },
    resolve: (_query, _root, { input }, context) => {
      const { instanceId, ...credentials } = input;
      return audited(context, 'setInstanceCredentials', instanceId.id, () =>
        setInstanceCredentials(
          { ...context, providerBaseUrl: context.providers.odooShBaseUrl },
          {
            companyId: companyOf(context),
            instanceId: ownedBy(context, instanceId.id).id,
            credentials,
          },
        ),
      );
    },
  }),
);
