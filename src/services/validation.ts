// The one way input is validated: a zod schema per input, parsed here. A refusal is an
// InvalidInputError listing every bad field (path and reason), raised before anything is
// read or written. Rules that are code (a template's manifests, a webhook URL's address)
// are refinements of the schema, so they report through the same path.
import type { z } from 'zod';
import { invalidInputFrom } from './errors.js';

export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidInputFrom(parsed.error.issues);
  return parsed.data;
}

/** For schemas with asynchronous refinements (e.g. resolving a host name). */
export async function parseInputAsync<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
): Promise<z.output<Schema>> {
  const parsed = await schema.safeParseAsync(input);
  if (!parsed.success) throw invalidInputFrom(parsed.error.issues);
  return parsed.data;
}
