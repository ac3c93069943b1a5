// Hands each mutation's arguments to its audit row. The arguments are read from the
// operation (variables applied) before it runs, one list per mutation field in the order
// the fields run, so `audited` can record what was asked without every resolver passing
// its input along.
import { getArgumentValues, getOperationAST, Kind, type GraphQLSchema, type SelectionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../../context.js';
import { auditInput, type AuditValue, type MutationArguments } from '../../services/audit/audit-input.js';

export const auditInputs: Plugin<GraphQLContext> = {
  onExecute({ args, extendContext }) {
    const operation = getOperationAST(args.document, args.operationName);
    if (operation?.operation !== 'mutation') return;
    extendContext({
      mutationArguments: mutationArguments(args.schema, operation.selectionSet.selections, args.variableValues ?? {}),
    });
  },
};

function mutationArguments(
  schema: GraphQLSchema,
  selections: readonly SelectionNode[],
  variables: Record<string, unknown>,
): MutationArguments {
  const fields = schema.getMutationType()?.getFields() ?? {};
  const byField: MutationArguments = new Map();
  for (const selection of selections) {
    if (selection.kind !== Kind.FIELD) continue;
    const definition = fields[selection.name.value];
    if (!definition) continue;
    let values: AuditValue;
    try {
      const args = getArgumentValues(definition, selection, variables);
      // Mutations take one `input` argument: record it, not a wrapper around it.
      values = auditInput(Object.keys(args).length === 1 && 'input' in args ? args.input : args);
    } catch {
      continue; // invalid arguments: validation answers them, nothing runs
    }
    byField.set(selection.name.value, [...(byField.get(selection.name.value) ?? []), values]);
  }
  return byField;
}

/** The arguments of the next run of mutation field `name` in this operation, if known. */
export function takeMutationArguments(
  context: Pick<GraphQLContext, 'mutationArguments'>,
  name: string,
): AuditValue | undefined {
  return context.mutationArguments?.get(name)?.shift();
}
