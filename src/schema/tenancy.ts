// Tenant scoping for lookups by id: another company's object and a malformed id both
// answer exactly as a missing one does.
import { callerCompanyId, type GraphQLContext } from '../context.js';

/** Matches no row: stands in for ids the caller may not see. */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A `where` that matches only the caller's company's row with this id. */
export function ownedBy(context: GraphQLContext, id: string): { id: string; companyId: string } {
  return {
    id: UUID.test(id) ? id : NIL_UUID,
    companyId: callerCompanyId(context) ?? NIL_UUID,
  };
}

/** The caller's company id; only called behind the `member` auth scope. */
export function companyOf(context: GraphQLContext): string {
  return callerCompanyId(context) ?? NIL_UUID;
}
