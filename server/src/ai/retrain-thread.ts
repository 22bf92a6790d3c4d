// Runs computeRetrain on the input it was given and posts progress and the result to the parent
// (computeRetrainInThread in retrain-compute.ts). An exception ends the thread with an 'error' event.
import { parentPort, workerData } from 'node:worker_threads';
import { computeRetrain, type RetrainComputeInput } from './retrain-compute.ts';

const port = parentPort;
if (!port) throw new Error('retrain-thread.ts runs as a worker thread only');
const { input } = workerData as { input: RetrainComputeInput };
const output = await computeRetrain(input, (progress) => port.postMessage({ type: 'progress', progress }));
port.postMessage({ type: 'done', output }, [output.blob.buffer as ArrayBuffer]);
