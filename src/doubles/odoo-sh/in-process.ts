// Development without an Odoo.sh endpoint: the simulator of the Odoo.sh-style API runs in
// the server's own process on a loopback port, so `npm start` on a fresh clone creates,
// backs up and deploys instances end to end. Production never gets here (config.ts
// requires ODOO_SH_API_BASE_URL there).
import { OdooShSimulator } from './simulator.js';

/**
 * What Odoo.sh tokens are bound to while the built-in simulator serves them: its port
 * changes at every start, so its URL would leave tokens set yesterday unopenable.
 */
export const BUILT_IN_SIMULATOR_DESTINATION = 'built-in-odoo-sh-simulator';

/** The destination Odoo.sh tokens are bound to under this configuration. */
export function odooShDestination(configuredBaseUrl: string | undefined): string {
  return configuredBaseUrl ?? BUILT_IN_SIMULATOR_DESTINATION;
}

export interface InProcessSimulator {
  baseUrl: string;
  /** the simulator accepts any token; this one is used when ODOO_SH_API_TOKEN is unset */
  token: string;
  close(): Promise<void>;
}

export async function startInProcessSimulator(): Promise<InProcessSimulator> {
  const simulator = new OdooShSimulator();
  const baseUrl = await simulator.listen(0, '127.0.0.1');
  return { baseUrl, token: 'development-simulator', close: () => simulator.close() };
}
