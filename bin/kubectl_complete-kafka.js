#!/usr/bin/env node
// kubectl's plugin completion (kubectl 1.26+): `kubectl kafka <TAB>` runs this
// `kubectl_complete-kafka` executable from PATH with the words after `kafka`
// (the last one is the word being completed) and reads candidates, one per line,
// then `:4`. It completes commands, broker pods, `--broker` ids and `--node` /
// `--to-node` names (plugin/completion.ts, compiled in dist/).
import { complete, commandTree } from '../dist/plugin/completion.js';

const commands = commandTree(new URL('../dist/plugin/commands', import.meta.url).pathname);
process.stdout.write(await complete(process.argv.slice(2), commands));
