// The state of one database on the Odoo double, shared by its XML-RPC, JSON-2 and web
// handlers (kept apart from the server class so the handlers need not import it).
export interface DoubleUser {
  id: number;
  login: string;
  password: string;
  admin: boolean;
  active: boolean;
  share: boolean;
}

export interface DoubleDatabase {
  name: string;
  users: DoubleUser[];
  partners: Map<
    number,
    {
      id: number;
      name: string;
      email: string | false;
      parent_id: number | false;
      active: boolean;
      is_company?: boolean;
      phone?: string | false;
    }
  >;
  modules: Map<string, { id: number; name: string; state: string; latest_version: string | false }>;
  nextId: number;
  /** size of the generated backup file (its filestore makes up the difference) */
  backupBytes: number;
  /** what a failed restore leaves: a PostgreSQL database without Odoo's tables */
  empty?: boolean;
  /** what a restore received */
  restored?: { bytes: number; sha256: string };
  neutralized: boolean;
  parameters: Map<string, string>;
  /** rows of the models the metrics read: ir.attachment, mail.mail, ir.cron */
  records: {
    attachments: Array<{ id: number; file_size: number }>;
    mails: Array<{ id: number; state: string }>;
    crons: Array<{ id: number; active: boolean; nextcall: string; failure_count: number }>;
  };
  /** ir.logging rows (Odoo writes them when log_db is set) */
  logs: Array<{
    id: number;
    type: 'server' | 'client';
    create_date: string;
    level: string;
    name: string;
    message: string;
  }>;
  /** API keys (Odoo 19+), each for one user id */
  apiKeys: Map<string, number>;
}
