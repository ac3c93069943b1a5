// JSON-2 binds a method's parameters by name, XML-RPC's execute_kw by position. Callers
// speak execute_kw (positional `args`, keyword `kwargs`); this table names the positions
// of the methods the fleet calls, after Odoo's own signatures (odoo/orm/models.py,
// ir_config_parameter.py, ir_module.py). Record methods take their first positional
// argument as the records' `ids`.
import { OdooError } from './errors.js';

interface Signature {
  /** the first positional argument is the ids of the records the method runs on */
  onRecords?: boolean;
  /** names of the remaining positional parameters, in order */
  params: string[];
}

const SIGNATURES: Record<string, Signature> = {
  search: { params: ['domain', 'offset', 'limit', 'order'] },
  search_read: { params: ['domain', 'fields', 'offset', 'limit', 'order'] },
  search_count: { params: ['domain', 'limit'] },
  read: { onRecords: true, params: ['fields', 'load'] },
  write: { onRecords: true, params: ['vals'] },
  unlink: { onRecords: true, params: [] },
  create: { params: ['vals_list'] },
  fields_get: { params: ['allfields', 'attributes'] },
  name_search: { params: ['name', 'domain', 'operator', 'limit'] },
  read_group: { params: ['domain', 'fields', 'groupby', 'offset', 'limit', 'orderby', 'lazy'] },
  get_param: { params: ['key', 'default'] },
  set_param: { params: ['key', 'value'] },
  update_list: { params: [] },
  context_get: { params: [] },
  button_immediate_install: { onRecords: true, params: [] },
  button_immediate_upgrade: { onRecords: true, params: [] },
  button_immediate_uninstall: { onRecords: true, params: [] },
  import_module: { onRecords: true, params: [] },
};

/** The JSON-2 body of an execute_kw-style call. */
export function namedArguments(
  model: string,
  method: string,
  args: unknown[],
  kwargs: Record<string, unknown> = {},
): Record<string, unknown> {
  const signature = SIGNATURES[method];
  if (!signature) {
    if (args.length === 0) return { ...kwargs };
    throw new OdooError(
      'server_error',
      `${model}.${method}: no parameter names known for positional arguments over JSON-2`,
    );
  }
  const positional = signature.onRecords ? args.slice(1) : args;
  if (positional.length > signature.params.length)
    throw new OdooError('server_error', `${model}.${method}: too many positional arguments`);
  const body: Record<string, unknown> = signature.onRecords ? { ids: args[0] ?? [] } : {};
  positional.forEach((value, index) => (body[signature.params[index]!] = value));
  return { ...body, ...kwargs };
}
