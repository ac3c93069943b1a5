// Typed operations for the test suite: every .graphql document under test/ becomes a
// TypedDocumentNode, checked against the committed schema.graphql.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/**/*.graphql'],
  generates: {
    'test/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', BigInt: 'string', JSON: 'unknown' },
        strictScalars: true,
        avoidOptionals: { field: true, inputValue: false },
      },
    },
  },
};

export default config;
