import { rotateSecrets, type RotationResult } from '../../services/crypto/rotate.js';
import { builder } from '../builder.js';
import { audited } from '../mutation-result.js';

const RotationResultType = builder.objectRef<RotationResult>('EncryptionKeyRotation').implement({
  description: 'What a key rotation did.',
  fields: (t) => ({
    keyId: t.exposeString('keyId', { description: 'The key every secret is now sealed with.' }),
    reEncrypted: t.exposeInt('reEncrypted', { description: 'Secrets re-encrypted by this run.' }),
    remaining: t.exposeInt('remaining', {
      description: 'Secrets still on an older key; run again until 0, then remove the old key.',
    }),
  }),
});

const RotateEncryptionKeyInput = builder.inputType('RotateEncryptionKeyInput', {
  description: 'How to rotate.',
  fields: (t) => ({
    batchSize: t.int({ required: false, defaultValue: 200, description: 'Rows per batch (1-1000).' }),
  }),
});

builder.mutationField('rotateEncryptionKey', (t) =>
  t.field({
    type: RotationResultType,
    description:
      'Re-encrypts every stored secret with the current key (the first of ENCRYPTION_KEYS), in batches (platform operator only). Safe to interrupt and run again.',
    authScopes: { platformAdmin: true },
    args: { input: t.arg({ type: RotateEncryptionKeyInput, required: false, description: 'Options.' }) },
    resolve: (_root, { input }, context) =>
      audited(context, 'rotateEncryptionKey', null, () =>
        rotateSecrets(
          { ...context, providerBaseUrl: context.providers.odooShBaseUrl },
          { batchSize: Math.min(1000, Math.max(1, input?.batchSize ?? 200)) },
        ),
      ),
  }),
);
