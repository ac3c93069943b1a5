// Development without an Odoo.sh endpoint: the simulator of the Odoo.sh-style API runs in
// the server's own process on a loopback port, so `npm start` on a fresh clone creates,
// backs up and deploys instances end to end. Production never gets here (config.ts
// requires ODOO_SH_API_BASE_URL there).
import { OdooShSimulator } from './simulator.js';

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
