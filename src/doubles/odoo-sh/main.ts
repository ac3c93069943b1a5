// `npm run simulator`: the Odoo.sh-style API on a local port, for demos and manual tests.
import { OdooShSimulator } from './simulator.js';

const port = Number(process.env.SIMULATOR_PORT ?? 4500);
const simulator = new OdooShSimulator();
const baseUrl = await simulator.listen(port, process.env.SIMULATOR_HOST ?? '127.0.0.1');
process.stdout.write(`Odoo.sh simulator at ${baseUrl} (set ODOO_SH_API_BASE_URL to it; any bearer token works)\n`);
const stop = () => void simulator.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
