// Every encrypted column of the database, for the code that seals, opens and rotates them.
export const secretColumns = {
  OdooInstance: ['providerTokenEnc', 'odooPasswordEnc', 'masterPasswordEnc', 'gitCredentialEnc'],
  WebhookEndpoint: ['secretEnc'],
} as const;

export type SecretTable = keyof typeof secretColumns;
export type SecretColumn<Table extends SecretTable> = (typeof secretColumns)[Table][number];
