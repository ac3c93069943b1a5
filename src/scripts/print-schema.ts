// Writes schema.graphql from the Pothos schema; a test fails when the two differ.
import { writeFileSync } from 'node:fs';
import { projectRoot } from '../db/paths.js';
import { printSortedSchema } from '../schema/index.js';

writeFileSync(`${projectRoot}schema.graphql`, printSortedSchema());
console.log('schema.graphql written');
