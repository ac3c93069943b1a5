// Limits on what one operation may ask for, with errors that say which limit was hit.
// Numbers leave room for the dashboard queries in the README and GraphiQL's
// introspection, and stop pathological documents before they reach a resolver.
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { Plugin } from 'graphql-yoga';

export const operationLimits = {
  maxDepth: 12,
  maxAliases: 20,
  maxTokens: 4000,
  maxDirectives: 30,
  maxCost: 20_000,
};

export function hardeningPlugins(options: { production: boolean }): Plugin[] {
  const expose = { exposeLimits: true };
  return [
    // Browsers send simple (non-preflighted) requests cross-site; GraphQL must not run them.
    useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'authorization', 'apollo-require-preflight'] }),
    maxDepthPlugin({ n: operationLimits.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...expose }),
    // Every alias counts, __typename's too (the plugin's default list lets those through).
    maxAliasesPlugin({ n: operationLimits.maxAliases, allowList: [], ...expose }),
    maxTokensPlugin({ n: operationLimits.maxTokens, ...expose }),
    maxDirectivesPlugin({ n: operationLimits.maxDirectives, ...expose }),
    costLimitPlugin({ maxCost: operationLimits.maxCost, ignoreIntrospection: true, ...expose }),
    ...(options.production ? [blockFieldSuggestionsPlugin()] : []),
  ] as Plugin[];
}
