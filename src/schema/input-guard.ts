// One gate for every argument of an operation: strings (and ids) with a NUL character or
// longer than their field allows are refused with a typed InvalidInputError before any
// resolver, decoder or database sees them. Each root field checks its own arguments and
// those of every field selected below it (nested fields' arguments are read early, when
// Prisma queries are hoisted into their parent's). The limit of an input field is its
// `extensions.maxLength`, else the default below, so new fields are covered the day they
// are added. The refusal names the field, never the value.
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import {
  getArgumentValues,
  getNamedType,
  isAbstractType,
  isObjectType,
  isUnionType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLArgument,
  type GraphQLCompositeType,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';
import { InvalidInputError, type FieldError } from '../services/errors.js';

/** Characters a String input may hold unless its field says otherwise. */
export const DEFAULT_MAX_STRING_LENGTH = 2048;
/** Characters an ID input may hold: global ids of this API are far shorter. */
export const MAX_ID_LENGTH = 200;

/** The limit of a string input field, declared with `extensions: maxLength(n)`. */
export function maxLength(characters: number): { maxLength: number } {
  return { maxLength: characters };
}

function limitOf(type: GraphQLInputType, extensions: Readonly<Record<string, unknown>> | null | undefined): number {
  const declared = extensions?.maxLength;
  if (typeof declared === 'number') return declared;
  return getNamedType(type).name === 'ID' ? MAX_ID_LENGTH : DEFAULT_MAX_STRING_LENGTH;
}

function check(value: unknown, type: GraphQLInputType, limit: number, path: string[], problems: FieldError[]): void {
  if (value === null || value === undefined) return;
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    if (Array.isArray(value))
      value.forEach((item, index) => check(item, inner.ofType, limit, [...path, String(index)], problems));
    return;
  }
  if (isInputObjectType(inner)) {
    for (const field of Object.values(inner.getFields())) {
      check(
        (value as Record<string, unknown>)[field.name],
        field.type,
        limitOf(field.type, field.extensions),
        [...path, field.name],
        problems,
      );
    }
    return;
  }
  if (typeof value !== 'string') return;
  if (value.includes('\u0000')) problems.push({ path, message: 'must not contain NUL characters' });
  else if (value.length > limit) problems.push({ path, message: `must be at most ${limit} characters` });
}

/** Problems of a field's arguments; a mutation's single `input` is left out of paths, as services write them. */
export function inputProblems(args: readonly GraphQLArgument[], values: Record<string, unknown>): FieldError[] {
  const problems: FieldError[] = [];
  for (const arg of args) {
    check(
      values[arg.name],
      arg.type,
      limitOf(arg.type, arg.extensions),
      arg.name === 'input' ? [] : [arg.name],
      problems,
    );
  }
  return problems;
}

/**
 * Whether any field selected in a selection set (fragments included) is given arguments;
 * decided once per parsed document's node, so a page's selection without arguments below
 * its root field is not walked on every request.
 */
const argumentsBelow = new WeakMap<SelectionSetNode, boolean>();
function hasArgumentsBelow(
  info: GraphQLResolveInfo,
  selectionSet: SelectionSetNode,
  visiting = new Set<string>(),
): boolean {
  let found = argumentsBelow.get(selectionSet);
  if (found !== undefined) return found;
  found = selectionSet.selections.some((selection) => {
    if (selection.kind === 'Field')
      return (
        Boolean(selection.arguments?.length) ||
        (!!selection.selectionSet && hasArgumentsBelow(info, selection.selectionSet, visiting))
      );
    if (selection.kind === 'InlineFragment') return hasArgumentsBelow(info, selection.selectionSet, visiting);
    const fragment = info.fragments[selection.name.value];
    if (!fragment || visiting.has(fragment.name.value)) return false;
    visiting.add(fragment.name.value);
    return hasArgumentsBelow(info, fragment.selectionSet, visiting);
  });
  argumentsBelow.set(selectionSet, found);
  return found;
}

/** Problems in the arguments of every field selected below a type, fragments included. */
function selectionProblems(
  info: GraphQLResolveInfo,
  parent: GraphQLCompositeType,
  selectionSet: SelectionSetNode | undefined,
  path: string[],
  problems: FieldError[],
): void {
  if (!selectionSet || !hasArgumentsBelow(info, selectionSet)) return;
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === 'FragmentSpread' || selection.kind === 'InlineFragment') {
      const fragment = selection.kind === 'FragmentSpread' ? info.fragments[selection.name.value] : selection;
      const condition = fragment?.typeCondition ? info.schema.getType(fragment.typeCondition.name.value) : parent;
      if (fragment && condition && (isObjectType(condition) || isAbstractType(condition)))
        selectionProblems(info, condition, fragment.selectionSet, path, problems);
      continue;
    }
    // Unions select only __typename directly; interfaces and objects know their fields.
    const field = isUnionType(parent) ? undefined : parent.getFields()[selection.name.value];
    if (!field) continue;
    const fieldPath = [...path, selection.name.value];
    if (field.args.length > 0) {
      for (const problem of inputProblems(field.args, getArgumentValues(field, selection, info.variableValues))) {
        problems.push({ ...problem, path: [...fieldPath, ...problem.path] });
      }
    }
    const type = getNamedType(field.type);
    if (isObjectType(type) || isAbstractType(type))
      selectionProblems(info, type, selection.selectionSet, fieldPath, problems);
  }
}

function guarded<Context>(
  resolver: GraphQLFieldResolver<unknown, Context, object>,
): GraphQLFieldResolver<unknown, Context, object> {
  return (parent, args, context, info: GraphQLResolveInfo) => {
    const field = info.parentType.getFields()[info.fieldName];
    const problems = field ? inputProblems(field.args, args as Record<string, unknown>) : [];
    const type = field ? getNamedType(field.type) : null;
    if (type && (isObjectType(type) || isAbstractType(type))) {
      for (const node of info.fieldNodes) selectionProblems(info, type, node.selectionSet, [], problems);
    }
    if (problems.length > 0) throw new InvalidInputError(problems);
    return resolver(parent, args, context, info);
  };
}

const ROOT_KINDS = new Set(['Query', 'Mutation', 'Subscription']);

export class InputGuardPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  // Root fields only (they check the whole selection below them), outside the argument
  // mappers (global id decoding), for resolve and subscribe alike.
  override wrapArgMappers(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ) {
    return ROOT_KINDS.has(fieldConfig.kind) ? guarded(resolver) : resolver;
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      inputGuard: InputGuardPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('inputGuard', InputGuardPlugin);
