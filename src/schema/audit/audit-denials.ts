// Records mutations refused by authorization, which never reach their resolvers.
import { getOperationAST, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../../context.js';
import { recordAudit } from '../../services/audit/audit.js';

export const auditDenials: Plugin<GraphQLContext> = {
  onExecute({ args }) {
    const operation = getOperationAST(args.document, args.operationName);
    if (operation?.operation !== 'mutation') return;
    return {
      async onExecuteDone({ result }) {
        if (!('errors' in result) || !result.errors) return;
        const context = args.contextValue as GraphQLContext;
        const denied = (result.errors as readonly GraphQLError[]).filter(
          (error) => error.extensions?.code === 'FORBIDDEN' && error.path?.length === 1,
        );
        for (const error of denied) {
          await recordAudit(context.prisma, {
            caller: context.caller,
            operation: String(error.path![0]),
            outcome: 'DENIED',
          });
        }
      },
    };
  },
};
