// The Odoo double in a process of its own, so a benchmark measures only its own side.
import { OdooServerDouble } from '../src/doubles/odoo/odoo-double.js';

const sizes = JSON.parse(process.argv[2] ?? '{}') as Record<string, number>;
const odoo = new OdooServerDouble({ masterPassword: 'bench-master' });
for (const [name, bytes] of Object.entries(sizes)) odoo.addDatabase(name, { backupBytes: bytes });
const url = await odoo.listen();
process.stdout.write(`${url}\n`);
process.on('SIGTERM', () => void odoo.close().then(() => process.exit(0)));
