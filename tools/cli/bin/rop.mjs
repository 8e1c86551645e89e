#!/usr/bin/env node
// The `rop` entry point: registers tsx so the workspace's TypeScript sources run without a build step.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The workspace's compiler options (tsx finds no tsconfig.json at the root): the gateway's NestJS
// decorators need experimentalDecorators.
register({ tsconfig: fileURLToPath(new URL('../../../tsconfig.base.json', import.meta.url)) });
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
