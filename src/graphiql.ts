// GraphiQL served entirely by this server: the page comes from
// @graphql-yoga/render-graphiql, which carries GraphiQL's script, styles, editor workers
// and favicon inline, so it renders on a machine without internet access (Yoga's default
// page loads them from a public CDN).
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

/** Shown in the editor on first visit: where the key goes, then a first query. */
const firstVisitQuery = `# Odoo Fleet API
#
# Put your API key in the Headers tab below; it authorizes queries, mutations and
# subscriptions (over WebSocket) alike:
#
#   { "Authorization": "Bearer <your API key>" }
#
# Keys come from \`npm run cli -- create-api-key\` or the createApiKey mutation.

query Viewer {
  __typename
  viewer { isPlatformAdmin role company { name } }
}
`;

export const graphiqlOptions: GraphiQLOptions = {
  title: 'Odoo Fleet API',
  subscriptionsProtocol: 'WS',
  defaultQuery: firstVisitQuery,
};

/**
 * The page is about 9 MB (every asset inline); it depends only on the options, so it is
 * built once per distinct options instead of on every visit.
 */
export function createGraphiQLRenderer(): (options: GraphiQLOptions) => string {
  const pages = new Map<string, string>();
  return (options) => {
    const cacheKey = JSON.stringify(options);
    let page = pages.get(cacheKey);
    if (page === undefined) {
      page = renderGraphiQL(options);
      pages.set(cacheKey, page);
    }
    return page;
  };
}

/**
 * GraphiQL sends the Headers tab with each operation as `extensions.headers`, and opens
 * its WebSocket with an empty `connection_init`: this reads the key from the operation.
 */
export function operationAuthorization(extensions: unknown): string | null {
  if (typeof extensions !== 'object' || extensions === null) return null;
  const headers = (extensions as { headers?: unknown }).headers;
  if (typeof headers !== 'object' || headers === null) return null;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'authorization' && typeof value === 'string' && value.trim() !== '') return value;
  }
  return null;
}
