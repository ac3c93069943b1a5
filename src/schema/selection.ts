// What a query asks below a field, so a resolver reads only what will be used (the count
// of a list, the latest rows of a page). Fragments are followed; a field under @skip or
// @include counts as asked, which may read a little more, never less.
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

function fieldsOf(info: GraphQLResolveInfo, selectionSet: SelectionSetNode | undefined, into: FieldNode[]): void {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) into.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) fieldsOf(info, selection.selectionSet, into);
    else fieldsOf(info, info.fragments[selection.name.value]?.selectionSet, into);
  }
}

/** Names of the fields asked at `path` below the field being resolved (`[]`: its own selection). */
export function selectedFieldNames(info: GraphQLResolveInfo, path: readonly string[] = []): Set<string> {
  let level: FieldNode[] = [...info.fieldNodes];
  for (const name of path) {
    const next: FieldNode[] = [];
    for (const field of level) fieldsOf(info, field.selectionSet, next);
    level = next.filter((field) => field.name.value === name);
  }
  const names = new Set<string>();
  const leaves: FieldNode[] = [];
  for (const field of level) fieldsOf(info, field.selectionSet, leaves);
  for (const field of leaves) names.add(field.name.value);
  return names;
}
