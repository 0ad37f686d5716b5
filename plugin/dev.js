#!/usr/bin/env node
// Runs `kubectl kafka` from the TypeScript sources, without a build:
//   node --import tsx plugin/dev.js status -n kafka
// The same oclif configuration as package.json, with the commands taken from
// plugin/commands (TypeScript, loaded through tsx) instead of dist/.
import { readFileSync } from 'node:fs';
import { execute } from '@oclif/core';

const root = new URL('..', import.meta.url);
const pjson = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
pjson.oclif = { ...pjson.oclif, commands: { ...pjson.oclif.commands, target: './plugin/commands' } };

await execute({ dir: import.meta.url, loadOptions: { root: root.pathname, pjson } });
