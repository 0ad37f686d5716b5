/**
 * The confirmation before a change: asked only when a person is at a
 * terminal (stdin and stderr are TTYs) and --yes was not given; scripts and
 * CI, which have no terminal, are not asked.
 */
import { createInterface } from 'node:readline/promises';

export function isInteractive(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/** Asks `question [y/N]` on the terminal; true only for y / yes. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
