/** Reading errors from client-node and kafkajs, for the facts and effects modules. */

/** An error's message, for logs and refusal texts (an Error serialises to {}). */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The HTTP status of a failed apiserver call (client-node's ApiException `code`), if any. */
export function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}
