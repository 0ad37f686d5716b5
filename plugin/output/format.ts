/**
 * `-o table|json|yaml`: json and yaml print the command's typed result as it
 * is (the same object a program would get), table prints the command's own
 * rendering of it.
 */
import { stringify } from 'yaml';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function formatResult<T>(result: T, format: OutputFormat, table: (result: T) => string): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(result, null, 2)}\n`;
    case 'yaml':
      return stringify(result, { lineWidth: 0 });
    case 'table': {
      const text = table(result);
      return text.endsWith('\n') ? text : `${text}\n`;
    }
  }
}
