// What the messaging tests use: the library's public API plus the migration runner.
export * from '../src/index.js';
export { migrate } from '@refarch/postgres';
