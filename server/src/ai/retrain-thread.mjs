// Entry of the retrain worker thread (retrain-compute.ts): the server runs TypeScript through tsx, whose
// loader hooks a new thread does not inherit, so register them here before importing the real entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
