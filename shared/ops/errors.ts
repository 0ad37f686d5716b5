/**
 * The two outcomes of an operation that are not a crash, whoever runs it (the
 * plugin maps them to exit codes, the evacuation controller to Events).
 */

/** The request names something that does not exist or cannot be meant; nothing was changed. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The operation is refused as unsafe, or stopped part-way; the message says what and what to do. */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
}
