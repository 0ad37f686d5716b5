/**
 * The plugin's user-facing text lives in two modules: plugin/messages.ts (the
 * commands' output, confirmations and usage errors) and shared/ops/messages.ts
 * (the operations' refusals and progress lines, which the webhook's evacuation
 * controller also shows in Events). This test fails when a command, plugin/lib
 * or an operation builds a sentence inline again, naming file:line (issue 10,
 * item 6).
 *
 * A sentence is a string or template literal whose fixed text holds a word,
 * given straight to one of the sinks below (not inside a nested call, so
 * `this.log(renderTable(['id', 'pod'], rows))` and `.join(' ')` pass).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..');

/** Where a sentence goes to a person: errors, progress lines, output, questions, plan steps. */
const SINKS: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'error', pattern: /\bnew\s+(?:RefusedError|UsageError|InterruptedError|KafkaSettingsError|PlanError)\s*\(/g },
  { name: 'event', pattern: /\b(?:reporter\.event|onEvent\??\.?|warn|this\.log|this\.warn|this\.error|process\.std(?:out|err)\.write)\s*\(/g },
  { name: 'question', pattern: /\bconfirmOrStop\s*\(/g },
  { name: 'wait', pattern: /\bwaitFor\s*\(/g },
  { name: 'line', pattern: /\.(?:push|unshift)\s*\(/g },
  { name: 'print', pattern: /\bthis\.print\s*\([^,]*,[^,]*,\s*\([^)]*\)\s*=>\s*/g },
  { name: 'field', pattern: /\b(?:reason|why|label|bytesNote|problem|steps|notes)\s*:\s*/g },
];

/** Files whose job is to hold the text (the other engineers' `*-text.ts` modules too). */
const isTextModule = (path: string) => /(?:^|\/)messages\.ts$|-text\.ts$/.test(path);

export interface InlineSentence {
  line: number;
  sink: string;
  text: string;
}

/** Every sentence given straight to a sink in `source`. */
export function inlineSentences(source: string): InlineSentence[] {
  const code = blankComments(source);
  const found: InlineSentence[] = [];
  for (const { name, pattern } of SINKS) {
    for (const match of code.matchAll(pattern)) {
      const start = (match.index ?? 0) + match[0].length;
      for (const literal of topLevelLiterals(code, start)) {
        if (/[A-Za-z]{2,}/.test(literal.text)) {
          found.push({ line: code.slice(0, literal.at).split('\n').length, sink: name, text: literal.text.trim().slice(0, 60) });
        }
      }
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/** Comments become spaces (lines kept), so commented code and prose are not scanned. */
function blankComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') (out += ' '), (i += 1);
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      const end = literalEnd(source, i);
      out += source.slice(i, end);
      i = end;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/** The index just past the string or template literal starting at `i`. */
function literalEnd(code: string, i: number): number {
  const quote = code[i];
  let j = i + 1;
  while (j < code.length) {
    const c = code[j];
    if (c === '\\') j += 2;
    else if (c === quote) return j + 1;
    else if (quote === '`' && c === '$' && code[j + 1] === '{') j = placeholderEnd(code, j + 2);
    else j += 1;
  }
  return j;
}

/** The index just past the `}` closing a `${` placeholder whose body starts at `i`. */
function placeholderEnd(code: string, i: number): number {
  let depth = 1;
  let j = i;
  while (j < code.length && depth > 0) {
    const c = code[j];
    if (c === "'" || c === '"' || c === '`') j = literalEnd(code, j);
    else {
      if (c === '{') depth += 1;
      if (c === '}') depth -= 1;
      j += 1;
    }
  }
  return j;
}

/** The fixed text of a literal (placeholders left out). */
function fixedText(literal: string): string {
  if (!literal.startsWith('`')) return literal.slice(1, -1);
  let text = '';
  let j = 1;
  while (j < literal.length - 1) {
    if (literal[j] === '\\') (text += literal.slice(j, j + 2)), (j += 2);
    else if (literal[j] === '$' && literal[j + 1] === '{') j = placeholderEnd(literal, j + 2);
    else (text += literal[j]), (j += 1);
  }
  return text;
}

/**
 * The literals of the expression starting at `start`, at its top level: up to
 * the first `,` `;` or closing bracket at depth 0. One leading `[` is looked
 * into (a list of lines or steps).
 */
function topLevelLiterals(code: string, start: number): Array<{ at: number; text: string }> {
  let i = start;
  while (/\s/.test(code[i] ?? '')) i += 1;
  let floor = 0;
  if (code[i] === '[') {
    floor = 1;
    i += 1;
  }
  const literals: Array<{ at: number; text: string }> = [];
  let depth = floor;
  while (i < code.length) {
    const c = code[i] ?? '';
    if (c === "'" || c === '"' || c === '`') {
      const end = literalEnd(code, i);
      if (depth === floor) literals.push({ at: i, text: fixedText(code.slice(i, end)) });
      i = end;
      continue;
    }
    if ('([{'.includes(c)) depth += 1;
    else if (')]}'.includes(c)) {
      if (depth === floor) break;
      depth -= 1;
      if (depth < floor) break;
    } else if ((c === ',' || c === ';') && depth === floor) {
      if (floor === 0) break;
    }
    i += 1;
  }
  return literals;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !isTextModule(path)) out.push(path);
  }
  return out;
}

describe('inlineSentences', () => {
  const cases: Array<[string, string, number]> = [
    ['a refusal built inline', 'throw new RefusedError(`pod ${pod} is gone`);', 1],
    ['a refusal from a message function', 'throw new RefusedError(messages.podGone(pod));', 0],
    ['a multi-line usage error', "throw new UsageError(\n  'name the broker: ' +\n  'POD');", 2],
    ['a progress line', 'reporter.event(`node ${node} cordoned`);', 1],
    ['an empty line', "this.log('');", 0],
    ['a table with column headers', "this.log(renderTable(['id', 'pod'], rows));", 0],
    ['a join separator', "reporter.event(lines.join(' and '));", 0],
    ['a ternary of sentences', "lines.push(ok ? 'all fine here' : `not ${x}`);", 2],
    ['a placeholder only', 'lines.push(`${a}-${b}`);', 0],
    ['a literal inside a placeholder call', 'reporter.event(`${f(\'x y\')}`);', 0],
    ['a plan step list', "steps: [`drain broker ${id}`, 'wait until in sync'],", 2],
    ['a commented-out sentence', "// reporter.event('old text here')", 0],
    ['a print with an inline sentence', "this.print(result, flags.output, () => 'nothing to do');", 1],
    ['a question', "await this.confirmOrStop('Proceed with this drain?', flags.yes);", 1],
  ];
  for (const [name, source, count] of cases) {
    it(name, () => assert.equal(inlineSentences(source).length, count, JSON.stringify(inlineSentences(source))));
  }
});

describe('the plugin and the operations keep their sentences in their messages modules', () => {
  it('no command, plugin/lib module or operation builds a user-facing sentence inline', () => {
    const offenders: string[] = [];
    for (const file of [...sourceFiles('plugin/commands'), ...sourceFiles('plugin/lib'), ...sourceFiles('shared/ops')]) {
      for (const s of inlineSentences(readFileSync(join(root, file), 'utf8'))) {
        offenders.push(`${relative(root, join(root, file))}:${s.line} (${s.sink}) ${s.text}`);
      }
    }
    assert.deepEqual(
      offenders,
      [],
      `${offenders.length} sentence(s) built inline; move them to plugin/messages.ts or shared/ops/messages.ts:\n${offenders.join('\n')}`,
    );
  });
});
