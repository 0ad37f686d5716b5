#!/usr/bin/env node
// kubectl finds plugins as `kubectl-<name>` executables on PATH: this file makes
// `kubectl kafka ...` work after `npm install -g` (or `npm link`) of this package.
// It runs the compiled commands in dist/ (`npm run build`); see plugin/dev.ts to
// run the TypeScript sources directly.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
