// Every encrypted column of the database, with where its secret is sent. The destination
// is part of each envelope's authenticated data, so a column cannot be added here without
// saying what it is bound to, and a secret never opens for a destination it was not set for.
export const secretColumns = {
  OdooInstance: {
    /** the Odoo.sh-style API the token authenticates to (ODOO_SH_API_BASE_URL) */
    providerTokenEnc: 'providerBaseUrl',
    /** the self-hosted Odoo server the passwords are sent to */
    odooPasswordEnc: 'serverUrl',
    masterPasswordEnc: 'serverUrl',
    /** the admin's API key for Odoo 19+ (JSON-2), sent to the same server */
    odooApiKeyEnc: 'serverUrl',
    /** the repository the credential is sent to as an HTTP header */
    gitCredentialEnc: 'gitRepositoryUrl',
  },
  WebhookEndpoint: {
    /** signs deliveries and never leaves the server: bound to no destination */
    secretEnc: null,
  },
} as const satisfies Record<string, Record<string, DestinationSource | null>>;

/** Where a destination is read from: a column of the same row, or the provider's base URL. */
export type DestinationSource = 'providerBaseUrl' | 'serverUrl' | 'gitRepositoryUrl';

export type SecretTable = keyof typeof secretColumns;
export type SecretColumn<Table extends SecretTable> = keyof (typeof secretColumns)[Table] & string;
