#!/usr/bin/env node
// The `rop` entry point: registers tsx so the workspace's TypeScript sources run without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
