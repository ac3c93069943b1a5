// Builds a minimal, valid operation for any root field of the schema, with every ID it
// takes (argument or input field, at any depth) filled from a resolver. Tests use it to
// run each operation of the schema without writing one document per operation.
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
} from 'graphql';
import { schema } from '../../src/schema/index.js';

export type RootKind = 'query' | 'mutation' | 'subscription';

/** Gives the global id to use for an ID argument that designates an object of this type. */
export type IdResolver = (typename: string) => string;

export interface OperationCase {
  kind: RootKind;
  field: string;
  document: string;
  /** whether any argument or input field is an ID */
  takesId: boolean;
  variables(ids: IdResolver): Record<string, unknown>;
}

/** ID fields named after what they designate. */
const idTypeByName: Record<string, string> = {
  instanceId: 'OdooInstance',
  targetInstanceId: 'OdooInstance',
  instanceIds: 'OdooInstance',
  backupId: 'Backup',
  deploymentId: 'Deployment',
  templateId: 'Template',
  companyId: 'Company',
  apiKeyId: 'ApiKey',
  endpointId: 'WebhookEndpoint',
  deliveryId: 'WebhookDelivery',
};

/** For plain `id`/`ids`: the type the operation is about. A new operation taking `id` must be added. */
const idTypeByOperation: Record<string, string> = {
  node: 'OdooInstance',
  nodes: 'OdooInstance',
  instance: 'OdooInstance',
  backup: 'Backup',
  deployment: 'Deployment',
  template: 'Template',
  revokeApiKey: 'ApiKey',
  updateInstance: 'OdooInstance',
  deleteInstance: 'OdooInstance',
  suspendInstance: 'OdooInstance',
  resumeInstance: 'OdooInstance',
  retryInstance: 'OdooInstance',
  updateTemplate: 'Template',
};

function targetType(operation: string, name: string): string {
  const byName = idTypeByName[name];
  if (byName) return byName;
  const byOperation = idTypeByOperation[operation];
  if (byOperation && (name === 'id' || name === 'ids')) return byOperation;
  throw new Error(`test/support/operations.ts: say which type "${operation}(${name}: ID)" designates`);
}

function takesId(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (isScalarType(named)) return named.name === 'ID';
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((field) => takesId(field.type, seen));
}

const sampleScalars: Record<string, unknown> = {
  String: 'probe',
  Int: 1,
  Float: 1,
  Boolean: false,
  DateTime: '2026-01-01T00:00:00.000Z',
  BigInt: '1',
  JSON: {},
};

function sampleValue(operation: string, name: string, type: GraphQLInputType, ids: IdResolver): unknown {
  if (isNonNullType(type)) return sampleValue(operation, name, type.ofType, ids);
  if (isListType(type)) return [sampleValue(operation, name, type.ofType, ids)];
  if (isScalarType(type)) return type.name === 'ID' ? ids(targetType(operation, name)) : sampleScalars[type.name];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      // Required fields, and every field that carries an ID (even optional ones).
      if (isNonNullType(field.type) || takesId(field.type)) {
        value[field.name] = sampleValue(operation, field.name, field.type, ids);
      }
    }
    return value;
  }
  throw new Error(`no sample for ${String(type)}`);
}

function selectionFor(type: GraphQLOutputType): string {
  const named = getNamedType(type);
  if (isUnionType(named)) {
    const errorTypes = named.getTypes().filter((member) => member.getInterfaces().some((i) => i.name === 'Error'));
    return `{ __typename ${errorTypes.length ? '... on Error { message }' : ''} }`;
  }
  if (isObjectType(named) || isInterfaceType(named)) return '{ __typename }';
  return '';
}

function caseFor(kind: RootKind, field: GraphQLField<unknown, unknown>): OperationCase {
  const args = field.args as GraphQLArgument[];
  const variableDefinitions = args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const argumentList = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const document = `${kind} Probe${variableDefinitions ? `(${variableDefinitions})` : ''} { ${field.name}${
    argumentList ? `(${argumentList})` : ''
  } ${selectionFor(field.type)} }`;
  return {
    kind,
    field: field.name,
    document,
    takesId: args.some((arg) => takesId(arg.type)),
    variables: (ids) =>
      Object.fromEntries(
        args
          .filter((arg) => isNonNullType(arg.type) || takesId(arg.type))
          .map((arg) => [arg.name, sampleValue(field.name, arg.name, arg.type, ids)]),
      ),
  };
}

export function operationCases(kind: RootKind): OperationCase[] {
  const root =
    kind === 'query'
      ? schema.getQueryType()
      : kind === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  return Object.values(root?.getFields() ?? {}).map((field) => caseFor(kind, field));
}
