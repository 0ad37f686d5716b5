/**
 * A worker thread's share of the admission fuzz: runs runFuzz with the
 * options it was given and posts the report. Started by
 * webhook/app.fuzz.test.ts, one per core, so the 100,000 inputs fit in a
 * minute on a 2-core machine.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runFuzz, type FuzzOptions } from './admission-fuzzer.js';

const port = parentPort;
if (port === null) throw new Error('admission-fuzz-worker.ts runs in a worker thread (webhook/app.fuzz.test.ts starts it)');
port.postMessage(await runFuzz(workerData as FuzzOptions));
