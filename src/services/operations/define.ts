// A kind of long operation declared in one place: its input (a zod schema, checked when
// the operation is recorded and again when a step reads it), its steps in order with what
// a person reads for each, which other kinds may not run on the same instance at the same
// time, and the kind of object whose status changes it publishes. The worker, progress,
// step events and the exclusion rule all read these declarations.
import type { z } from 'zod';
import type { Operation, Prisma } from '../../generated/prisma/client.js';
import type { SubjectKind } from '../events/transitions.js';
import type { OperationHandler } from './worker.js';

/** Inputs are stored as JSON on the operation row. */
type InputSchema = z.ZodType<Prisma.InputJsonObject>;

/** What a step decided: go on with another step (now or later), finish, or fail. */
export type Outcome<Step extends string> =
  { next: Step; state?: Record<string, unknown>; delayMs?: number } | { done: true } | { failed: string };

/** What a step is given: the operation row and its input, already parsed. */
export interface StepCall<Input> {
  operation: Operation;
  input: Input;
}

export interface Run<Input, Step extends string> {
  steps: { [S in Step]: (call: StepCall<Input>) => Promise<Outcome<Step>> };
  /** before every step: may end or hold the operation (a cancelled subject, missing credentials) */
  before?(call: StepCall<Input>): Promise<Outcome<Step> | null>;
  /** records the failure on the subject (an instance in ERROR, a failed backup) */
  onFailure?(operation: Operation, reason: string): Promise<void>;
  /** shows on the subject why a step is being retried, so a wait is never silent */
  onRetry?(operation: Operation, reason: string): Promise<void>;
}

export interface OperationSpec<Kind extends string, Schema extends InputSchema, Step extends string, Deps> {
  kind: Kind;
  input: Schema;
  /** every step with what it does, in the order they normally run; the first one starts */
  steps: { [S in Step]: string };
  /** the paths through the steps, for progress (default: all steps in order); the first path holding the current step counts */
  routes?: ReadonlyArray<readonly NoInfer<Step>[]>;
  /** kinds that may not be queued or running on the same instance when this one is requested */
  excludes: readonly string[];
  /** the object it drives (its `subjectId`): its status changes are the operation's fleet events */
  subject: SubjectKind;
  run(deps: Deps): Run<z.output<Schema>, NoInfer<Step>>;
}

/** What progress, step events and the exclusion rule read about a kind. */
export interface OperationDeclaration {
  readonly kind: string;
  readonly subject: SubjectKind;
  readonly excludes: readonly string[];
  readonly firstStep: string;
  /** the paths through the steps, each step with its label */
  readonly routes: ReadonlyArray<ReadonlyArray<readonly [step: string, label: string]>>;
}

/** A declared kind with its steps, without its types: what a worker runs. */
export interface OperationDefinition<Deps = never> extends OperationDeclaration {
  handler(deps: Deps): OperationHandler;
}

export interface TypedOperationDefinition<
  Kind extends string,
  Schema extends InputSchema,
  Step extends string,
  Deps,
> extends OperationDefinition<Deps> {
  readonly kind: Kind;
  readonly firstStep: Step;
  /** Records an operation of this kind in the caller's transaction, its input checked. */
  record(
    tx: Prisma.TransactionClient,
    row: { companyId: string; instanceId: string; subjectId: string; input: z.input<Schema> },
  ): Promise<Operation>;
}

/** How a message names an operation of a kind ("a backup", "a create instance"). */
export function describeKind(kind: string): string {
  return kind.toLowerCase().replace(/_/g, ' ');
}

/** A stored input that no longer parses is a failure of the operation, not a retry. */
class InvalidOperationInput extends Error {}

export function defineOperation<Kind extends string, Schema extends InputSchema, Step extends string, Deps>(
  spec: OperationSpec<Kind, Schema, Step, Deps>,
): TypedOperationDefinition<Kind, Schema, Step, Deps> {
  const names = Object.keys(spec.steps) as Step[];
  const firstStep = names[0];
  if (firstStep === undefined) throw new Error(`The operation ${spec.kind} declares no step`);
  const label = (step: Step) => [step, spec.steps[step]] as const;
  const routes = (spec.routes ?? [names]).map((route) => route.map(label));

  function parseInput(operation: Operation): z.output<Schema> {
    const parsed = spec.input.safeParse(operation.input);
    if (!parsed.success)
      throw new InvalidOperationInput(
        `The stored input of this ${spec.kind} operation is not valid: ${parsed.error.message}`,
      );
    return parsed.data;
  }

  const isStep = (step: string): step is Step => Object.hasOwn(spec.steps, step);

  return {
    kind: spec.kind,
    subject: spec.subject,
    excludes: spec.excludes,
    firstStep,
    routes,
    async record(tx, row) {
      const input = spec.input.parse(row.input);
      return tx.operation.create({
        data: {
          companyId: row.companyId,
          instanceId: row.instanceId,
          subjectId: row.subjectId,
          kind: spec.kind,
          step: firstStep,
          input,
        },
      });
    },
    handler(deps) {
      const run = spec.run(deps);
      const call = (operation: Operation): StepCall<z.output<Schema>> => ({ operation, input: parseInput(operation) });
      return {
        async step(operation) {
          let input: StepCall<z.output<Schema>>;
          try {
            input = call(operation);
          } catch (error) {
            if (error instanceof InvalidOperationInput) return { failed: error.message };
            throw error;
          }
          const held = await run.before?.(input);
          if (held) return held;
          if (!isStep(operation.step)) return { failed: `Unknown ${spec.kind} step "${operation.step}"` };
          return run.steps[operation.step](input);
        },
        onFailure: async (operation, reason) => run.onFailure?.(operation, reason),
        onRetry: async (operation, reason) => run.onRetry?.(operation, reason),
      };
    },
  };
}
